import { describe, expect, it } from "vitest";
import { baseScoreFromVector } from "../../../src/bulletins/cvss.ts";

describe("CVSS base scores from vectors", () => {
  it("computes 2.0, 3.0, 3.1 and 4.0 base scores, temporal metrics aside", () => {
    expect(baseScoreFromVector("CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:L/E:F/RL:O/RC:C")).toEqual({
      version: "3.1",
      baseScore: 6.1,
    });
    expect(baseScoreFromVector("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")).toEqual({
      version: "3.0",
      baseScore: 9.8,
    });
    expect(baseScoreFromVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N")).toEqual({
      version: "3.1",
      baseScore: 6.1,
    });
    expect(baseScoreFromVector("AV:N/AC:L/Au:N/C:P/I:P/A:P")).toEqual({ version: "2.0", baseScore: 7.5 });
    expect(baseScoreFromVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")).toEqual({
      version: "4.0",
      baseScore: 9.3,
    });
  });

  it("gives nothing for an incomplete or malformed vector", () => {
    for (const vector of [
      "",
      "garbage",
      "CVSS:3.1/AV:X",
      "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
      "CVSS:9.0/AV:N",
    ]) {
      expect([vector, baseScoreFromVector(vector)]).toEqual([vector, undefined]);
    }
  });
});
