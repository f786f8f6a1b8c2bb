import { describe, expect, it } from "vitest";
import type { Message } from "../../src/chat/message.ts";
import { type Destination, tlpGate } from "../../src/chat/tlp-gate.ts";
import { TLP_LABELS, type TlpLabel } from "../../src/incidents/tlp.ts";

const labelled = (tlp?: TlpLabel): Message => ({ tlp, blocks: [{ kind: "text", text: "x" }] });
const room = (clearance: TlpLabel, extra: Partial<Destination> = {}): Destination => ({
  description: "#soc",
  clearance,
  external: false,
  ...extra,
});

describe("TLP gate", () => {
  it("lets unlabelled interface text through", () => {
    expect(tlpGate(room("clear", { external: true }), labelled())).toEqual({ allowed: true });
  });

  it("allows content up to the room's clearance and refuses above it", () => {
    expect(tlpGate(room("amber"), labelled("green")).allowed).toBe(true);
    expect(tlpGate(room("amber"), labelled("amber")).allowed).toBe(true);
    expect(tlpGate(room("green"), labelled("amber"))).toEqual({
      allowed: false,
      reason: "TLP:AMBER content may not go to #soc: the room is cleared up to TLP:GREEN.",
    });
  });

  it("keeps RED and AMBER+STRICT inside the incident's own rooms, even in a room cleared for RED", () => {
    for (const label of ["red", "amber+strict"] as const) {
      expect(tlpGate(room("red"), labelled(label), "inc-1").allowed).toBe(false);
      expect(tlpGate(room("red", { incidentId: "inc-2" }), labelled(label), "inc-1").allowed).toBe(false);
      expect(tlpGate(room("clear", { incidentId: "inc-1" }), labelled(label), "inc-1").allowed).toBe(true);
    }
  });

  it("treats rooms shared with other organisations as at most GREEN", () => {
    const shared = room("amber", { external: true, description: "#shared-with-partner" });
    expect(tlpGate(shared, labelled("green")).allowed).toBe(true);
    expect(tlpGate(shared, labelled("amber"))).toEqual({
      allowed: false,
      reason:
        "TLP:AMBER content may not go to #shared-with-partner: the room is shared outside the organisation (at most TLP:GREEN).",
    });
    expect(tlpGate(room("clear", { external: true }), labelled("green")).allowed).toBe(false);
  });

  it("allows CLEAR everywhere", () => {
    for (const clearance of TLP_LABELS)
      expect(tlpGate(room(clearance, { external: true }), labelled("clear")).allowed).toBe(true);
  });
});

describe("TLP gate for an incident's own rooms", () => {
  it("lets everything of the incident into its own rooms", () => {
    expect(tlpGate(room("red", { incidentId: "inc-1" }), labelled("red"), "inc-1").allowed).toBe(true);
  });

  it("still caps an incident room shared outside the organisation at GREEN", () => {
    const federated = room("red", {
      incidentId: "inc-1",
      external: true,
      description: "!room:partner.example",
    });
    expect(tlpGate(federated, labelled("green"), "inc-1").allowed).toBe(true);
    expect(tlpGate(federated, labelled("amber"), "inc-1")).toEqual({
      allowed: false,
      reason:
        "TLP:AMBER content may not go to !room:partner.example: the room is shared outside the organisation (at most TLP:GREEN).",
    });
  });
});
