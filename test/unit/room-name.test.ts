import { describe, expect, it } from "vitest";
import {
  incidentChannelName,
  isValidChannelName,
  SLACK_CHANNEL_NAME_MAX_LENGTH,
  slugForChannelName,
} from "../../src/chat/room-name.ts";

describe("incident channel names", () => {
  it("joins the incident id and the title words", () => {
    expect(incidentChannelName("INC-2026-0001", "Phishing wave")).toBe("inc-2026-0001-phishing-wave");
  });

  it("drops accents and keeps letters people would type", () => {
    expect(slugForChannelName("Fuite de données à Zürich")).toBe("fuite-de-donnees-a-zurich");
    expect(slugForChannelName("Straße Æther Øresund Łódź")).toBe("strasse-aether-oresund-lodz");
  });

  it("treats emoji, CJK and punctuation as separators and collapses them", () => {
    expect(slugForChannelName("DDoS 🔥🔥 on   api.example.com -- 漏洞!!")).toBe("ddos-on-api-example-com");
    expect(slugForChannelName("snake_case__title")).toBe("snake-case-title");
  });

  it("keeps just the id when nothing of the title remains", () => {
    expect(incidentChannelName("INC-2026-0009", "🔥🔥🔥")).toBe("inc-2026-0009");
    expect(incidentChannelName("INC-2026-0009", "漏洞")).toBe("inc-2026-0009");
    expect(incidentChannelName("INC-2026-0009", "")).toBe("inc-2026-0009");
  });

  it("cuts a long title at a word boundary within 80 characters", () => {
    const name = incidentChannelName("INC-2026-0001", "credential stuffing ".repeat(20));
    expect(name.length).toBeLessThanOrEqual(SLACK_CHANNEL_NAME_MAX_LENGTH);
    expect(name).toMatch(/^inc-2026-0001-credential-stuffing(-credential|-stuffing)*$/);
    expect(name.endsWith("-")).toBe(false);
  });

  it("cuts one overlong word when there is no boundary", () => {
    const name = incidentChannelName("INC-2026-0001", "a".repeat(200));
    expect(name).toBe(`inc-2026-0001-${"a".repeat(80 - 14)}`);
  });

  it("appends -n for collisions and still fits 80 characters", () => {
    expect(incidentChannelName("INC-2026-0001", "Phishing wave", 2)).toBe("inc-2026-0001-phishing-wave-2");
    const long = "lateral movement detected ".repeat(10);
    for (const attempt of [1, 2, 9, 10, 50]) {
      const name = incidentChannelName("INC-2026-0001", long, attempt);
      expect(name.length).toBeLessThanOrEqual(SLACK_CHANNEL_NAME_MAX_LENGTH);
      if (attempt > 1) expect(name.endsWith(`-${attempt}`)).toBe(true);
    }
    expect(incidentChannelName("INC-2026-0001", "🔥", 3)).toBe("inc-2026-0001-3");
  });

  it("always produces a name Slack accepts", () => {
    const titles = [
      "",
      "  ",
      "Ünïcödé",
      "a-b_c d",
      "-----",
      "TLP:RED // leak",
      "x".repeat(500),
      "é".repeat(100),
    ];
    for (const title of titles) {
      for (const attempt of [1, 2, 37]) {
        expect(isValidChannelName(incidentChannelName("INC-2026-1234", title, attempt))).toBe(true);
      }
    }
  });
});
