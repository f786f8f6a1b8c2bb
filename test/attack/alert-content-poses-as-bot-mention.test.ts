// ATTACK: alert content is the sender's text, but it never went through the sanitiser people's
// text goes through (src/chat/inert-text.ts). The bot marks its own live mentions with the
// private-use characters U+E000/U+E001, so a summary, label, link text or source carrying
// "\uE000U0CEO\uE001" became a live `<@U0CEO>` on Slack (a Matrix pill and m.mentions entry),
// and bidi overrides or Unicode tags hid or reordered what responders read.
import { describe, expect, it } from "vitest";
import { alertBlocks } from "../../src/alerts/alert-messages.ts";
import { toSignal } from "../../src/alerts/intake/draft.ts";
import { genericDraft } from "../../src/alerts/intake/generic.ts";
import { webhookGroupDraft } from "../../src/alerts/intake/webhook-groups.ts";
import type { AlertSignal } from "../../src/alerts/signal.ts";
import { mentionedUsers } from "../../src/chat/message.ts";
import { renderBlockKit } from "../../src/chat/slack/block-kit.ts";
import type { Alert } from "../../src/generated/prisma/client.ts";
import { configWithIntegrations } from "../support/alert-config.ts";

const config = configWithIntegrations(`  - { id: gen, kind: generic, team: csirt, key: ${"x".repeat(40)} }
  - { id: prom, kind: alertmanager, team: csirt, key: ${"a".repeat(40)} }
`);
const [gen, prom] = config.integrations as [(typeof config.integrations)[0], (typeof config.integrations)[0]];
const now = new Date("2026-03-10T09:00:00Z");
const MENTION = "\uE000U0CEO\uE001";
const HIDDEN = "\u202Egnp.exe\u202C\u{E0041}";

function asAlert(signal: AlertSignal): Alert {
  return {
    id: "a",
    number: 1,
    integrationId: signal.integrationId,
    dedupKey: signal.dedupKey,
    openKey: signal.dedupKey,
    status: "firing",
    summary: signal.summary,
    source: signal.source ?? null,
    severity: signal.severity,
    tlp: signal.tlp,
    rsitType: null,
    teamId: null,
    labels: signal.labels,
    links: signal.links.map((link) => ({ ...link })),
    details: {},
    members: {},
    signalCount: 1,
    pageId: null,
    incidentId: null,
    silencedUntil: null,
    firstSignalAt: now,
    lastSignalAt: now,
    ackedAt: null,
    ackedById: null,
    resolvedAt: null,
    resolvedById: null,
  };
}

function expectInert(signal: AlertSignal) {
  const message = { blocks: alertBlocks(asAlert(signal), "UTC") };
  expect(mentionedUsers(message)).toEqual([]);
  const slack = JSON.stringify(renderBlockKit(message));
  expect(slack).not.toContain("<@U0CEO>");
  expect(slack).not.toMatch(/[\uE000\uE001\u202E\u{E0041}]/u);
}

describe("alert content cannot pose as the bot's mentions", () => {
  it("generic endpoint: summary, source, labels and link text", () => {
    const draft = genericDraft(
      {
        summary: `Ping ${MENTION} ${HIDDEN}`,
        source: `host ${MENTION}`,
        labels: { [`who${MENTION}`]: `x ${MENTION}` },
        links: [{ href: "https://example.org/a", text: `see ${MENTION}` }],
      },
      now,
    );
    expectInert(toSignal(gen, draft));
  });

  it("Alertmanager webhook: annotations and labels", () => {
    const draft = webhookGroupDraft(
      {
        version: "4",
        groupKey: "g",
        status: "firing",
        receiver: "tocsin",
        externalURL: "https://am.example.org",
        commonLabels: { alertname: `A ${MENTION}` },
        commonAnnotations: { summary: `S ${MENTION} ${HIDDEN}` },
        alerts: [
          {
            status: "firing",
            fingerprint: "f1",
            labels: { alertname: `A ${MENTION}` },
            annotations: { summary: `S ${MENTION}` },
            startsAt: "2026-03-10T08:59:00Z",
            generatorURL: "https://prom.example.org/graph",
          },
        ],
      },
      "alertmanager",
      now,
    );
    expectInert(toSignal(prom, draft));
  });
});
