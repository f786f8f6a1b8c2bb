// The outbox's one rule, as a table: every kind of audience × every label × restricted or not ×
// own incident or another, against what a CSIRT's confidentiality officer expects.
import { describe, expect, it } from "vitest";
import { TLP_LABELS, type TlpLabel, tlpAllows } from "../../../src/incidents/tlp.ts";
import { type Audience, decide, type IncidentFacts } from "../../../src/outbox/audience.ts";

const OWN = "inc-own";
const OTHER = "inc-other";
const incident = (id: string, tlp: TlpLabel, restricted = false): IncidentFacts => ({
  id,
  tlp,
  restricted: restricted || tlp === "red",
});

interface Case {
  audience: string;
  make: (clearance: TlpLabel) => Audience;
}

const AUDIENCES: Case[] = [
  {
    audience: "the incident's own room",
    make: (c) => ({ kind: "incident-room", incidentId: OWN, external: false, clearance: c }),
  },
  {
    audience: "its own room, shared outside",
    make: (c) => ({ kind: "incident-room", incidentId: OWN, external: true, clearance: c }),
  },
  {
    audience: "another incident's room",
    make: (c) => ({ kind: "incident-room", incidentId: OTHER, external: false, clearance: c }),
  },
  { audience: "a configured room", make: (c) => ({ kind: "room", clearance: c, external: false }) },
  {
    audience: "a configured room shared outside",
    make: (c) => ({ kind: "room", clearance: c, external: true }),
  },
  {
    audience: "a participant",
    make: () => ({ kind: "person", external: false, takesPart: (id) => id === OWN }),
  },
  {
    audience: "a colleague not taking part",
    make: () => ({ kind: "person", external: false, takesPart: () => false }),
  },
  {
    audience: "an outsider taking part",
    make: () => ({ kind: "person", external: true, takesPart: (id) => id === OWN }),
  },
  { audience: "an outsider", make: () => ({ kind: "person", external: true, takesPart: () => false }) },
  { audience: "an unknown audience", make: () => ({ kind: "unknown" }) },
];

/** What the confidentiality officer expects for content about the incident OWN. */
function expected(
  audience: string,
  clearance: TlpLabel,
  tlp: TlpLabel,
  restricted: boolean,
): "send" | "refuse" {
  const hidden = restricted || tlp === "red";
  const rooms = (ceiling: TlpLabel) =>
    !hidden && tlp !== "amber+strict" && tlpAllows(ceiling, tlp) ? "send" : "refuse";
  const lower = (a: TlpLabel, b: TlpLabel) => (tlpAllows(a, b) ? b : a);
  switch (audience) {
    case "the incident's own room":
      return "send";
    case "its own room, shared outside":
      return tlpAllows("green", tlp) ? "send" : "refuse";
    case "another incident's room":
    case "a configured room":
      return rooms(clearance);
    case "a configured room shared outside":
      return rooms(lower(clearance, "green"));
    case "a participant":
      return "send";
    case "a colleague not taking part":
      return !hidden && tlpAllows("amber+strict", tlp) ? "send" : "refuse";
    case "an outsider taking part":
      return tlpAllows("green", tlp) ? "send" : "refuse";
    case "an outsider":
    case "an unknown audience":
      return !hidden && tlpAllows("green", tlp) ? "send" : "refuse";
  }
  throw new Error(audience);
}

describe("the outbox's audience rule", () => {
  for (const { audience, make } of AUDIENCES) {
    for (const clearance of TLP_LABELS) {
      for (const tlp of TLP_LABELS) {
        for (const restricted of [false, true]) {
          const want = expected(audience, clearance, tlp, restricted);
          it(`${audience} (cleared ${clearance}) ${want}s ${restricted ? "restricted " : ""}TLP:${tlp} incident content`, () => {
            const decision = decide(make(clearance), {
              kind: "incidents",
              incidents: [incident(OWN, tlp, restricted)],
            });
            expect(decision.action).toBe(want);
            const knowsIt = audience.includes("own room") || audience.includes("taking part");
            if (decision.action === "refuse" && (restricted || tlp === "red") && !knowsIt) {
              // Restricted means invisible to outsiders: not even a notice that something was withheld.
              expect(decision.notice).toBeUndefined();
            }
          });
        }
      }
    }
  }

  it("lets the bot's own words through to every audience", () => {
    for (const { make } of AUDIENCES)
      expect(decide(make("clear"), { kind: "interface" }).action).toBe("send");
  });

  it("sends labelled content (bulletins) up to a room's clearance, and RED or AMBER+STRICT to no room", () => {
    for (const { audience, make } of AUDIENCES) {
      for (const tlp of TLP_LABELS) {
        const target = make("amber");
        const decision = decide(target, { kind: "label", tlp });
        const ceiling: TlpLabel =
          target.kind === "unknown" || ("external" in target && target.external)
            ? "green"
            : target.kind === "person"
              ? "amber+strict"
              : "amber";
        const roomOnly = target.kind !== "person" && (tlp === "red" || tlp === "amber+strict");
        const want = !roomOnly && tlpAllows(ceiling, tlp) ? "send" : "refuse";
        expect(decision.action, `${audience}, TLP:${tlp}`).toBe(want);
      }
    }
  });

  it("filters a list per incident: restricted ones are neither shown nor counted, labelled ones are counted", () => {
    const list = [
      incident("a", "green"),
      incident("b", "amber"),
      incident("c", "red"),
      incident("d", "amber", true),
      incident("e", "clear"),
    ];
    const decision = decide(
      { kind: "room", clearance: "green", external: false },
      { kind: "incidents", incidents: list },
    );
    expect(decision).toEqual({ action: "filter", visible: [list[0], list[4]], withheld: 1 });
  });

  it("gives an incident's own room everything of it, and treats other incidents there as in any room", () => {
    const room: Audience = { kind: "incident-room", incidentId: OWN, external: false, clearance: "green" };
    const decision = decide(room, {
      kind: "incidents",
      incidents: [incident(OWN, "red"), incident(OTHER, "amber"), incident("x", "green")],
    });
    expect(decision).toMatchObject({ action: "filter", withheld: 1 });
    if (decision.action === "filter") expect(decision.visible.map((i) => i.id)).toEqual([OWN, "x"]);
  });

  it("says an unrestricted update was withheld, without naming it", () => {
    const decision = decide(
      { kind: "room", clearance: "green", external: false },
      {
        kind: "incidents",
        incidents: [incident(OWN, "amber")],
      },
    );
    expect(decision.action).toBe("refuse");
    if (decision.action === "refuse") {
      expect(decision.notice).toContain("withheld");
      expect(decision.notice).not.toContain(OWN);
    }
  });
});

describe("a person and unrestricted incidents", () => {
  // The outbox asks the desk who takes part only about restricted incidents (a list of 50 open
  // ones then costs no statement): this is the rule that makes that safe.
  for (const external of [false, true]) {
    for (const tlp of TLP_LABELS.filter((label) => label !== "red")) {
      it(`TLP:${tlp}, ${external ? "an outsider" : "inside the organisation"}: taking part changes nothing`, () => {
        const about = { kind: "incidents" as const, incidents: [incident(OWN, tlp), incident(OTHER, tlp)] };
        const taking = decide({ kind: "person", external, takesPart: () => true }, about);
        const notTaking = decide({ kind: "person", external, takesPart: () => false }, about);
        expect(notTaking).toEqual(taking);
      });
    }
  }
});
