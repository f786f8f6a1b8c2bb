import { describe, expect, it } from "vitest";
import {
  DECLARE_FIELDS,
  declareCommandLine,
  declareModalView,
  parseDeclareModalOrigin,
  quoteArgument,
  type SubmittedValues,
} from "../../../src/chat/slack/declare-modal.ts";
import { RSIT_TYPE_CHOICES } from "../../../src/chat/slack/rsit-types.ts";

/** `state.values` as Slack sends them: text inputs carry `value`, selects `selected_option`. */
function submitted(
  typed: Record<string, string | undefined>,
  selected: Record<string, string | undefined>,
): SubmittedValues {
  const values: SubmittedValues = {};
  for (const [block, value] of Object.entries(typed)) values[block] = { value: { value: value ?? null } };
  for (const [block, value] of Object.entries(selected)) {
    values[block] = { value: { selected_option: value ? { value } : null } };
  }
  return values;
}

describe("the declare modal", () => {
  it("offers every RSIT type grouped by class, and TLP AMBER by default", () => {
    const view = declareModalView({ channelId: "C1" }, RSIT_TYPE_CHOICES);
    const json = JSON.stringify(view);
    expect(json).toContain('"value":"phishing"');
    expect(json).toContain('"text":"Fraud"');
    expect(json).toContain(
      '"initial_option":{"text":{"type":"plain_text","text":"TLP:AMBER"},"value":"amber"}',
    );
    expect(RSIT_TYPE_CHOICES.length).toBeGreaterThan(30);
    expect(view.title.text.length).toBeLessThanOrEqual(24);
  });

  it("carries its origin channel through private_metadata", () => {
    const origin = {
      channelId: "C1",
      channelName: "soc",
      responseUrl: "https://hooks.slack.com/commands/T/1/x",
    };
    const view = declareModalView(origin, RSIT_TYPE_CHOICES);
    expect(parseDeclareModalOrigin(view.private_metadata ?? "")).toEqual(origin);
    expect(parseDeclareModalOrigin("not json")).toBeUndefined();
    expect(parseDeclareModalOrigin('{"channelId":""}')).toBeUndefined();
  });

  it("turns a submission into the command line a responder would type", () => {
    const values = submitted(
      { [DECLARE_FIELDS.title]: "Phishing wave", [DECLARE_FIELDS.summary]: "Fake invoices" },
      {
        [DECLARE_FIELDS.severity]: "2",
        [DECLARE_FIELDS.rsitType]: "phishing",
        [DECLARE_FIELDS.tlp]: "amber",
      },
    );
    expect(declareCommandLine(values)).toBe(
      '/inc declare "Phishing wave" sev:2 class:phishing tlp:amber summary:"Fake invoices"',
    );
  });

  it("leaves out optional inputs left empty", () => {
    const values = submitted(
      { [DECLARE_FIELDS.title]: "Outage", [DECLARE_FIELDS.summary]: undefined },
      { [DECLARE_FIELDS.severity]: "4", [DECLARE_FIELDS.rsitType]: undefined, [DECLARE_FIELDS.tlp]: "clear" },
    );
    expect(declareCommandLine(values)).toBe('/inc declare "Outage" sev:4 tlp:clear');
  });

  it("escapes quotes and backslashes inside quoted arguments", () => {
    expect(quoteArgument('say "hi"')).toBe('"say \\"hi\\""');
    expect(quoteArgument("C:\\temp\\")).toBe('"C:\\\\temp\\\\"');
  });
});
