import { describe, expect, it } from "vitest";
import { parseRfc3339 } from "../../../src/bulletins/rfc3339.ts";

describe("RFC 3339 date-times", () => {
  it("accepts upper and lower case T and Z, offsets and any number of fractional digits", () => {
    const cases: Array<[string, string]> = [
      ["2022-03-17T13:03:42.105Z", "2022-03-17T13:03:42.105Z"],
      ["2022-03-17t13:03:42.105z", "2022-03-17T13:03:42.105Z"],
      ["2022-03-17T13:03:42z", "2022-03-17T13:03:42.000Z"],
      ["2021-12-16T22:34:00+01:00", "2021-12-16T21:34:00.000Z"],
      ["2021-12-16t22:34:00-05:30", "2021-12-17T04:04:00.000Z"],
      ["2021-12-16T22:34:00.123456789+00:00", "2021-12-16T22:34:00.123Z"],
      ["2021-12-16T22:34:00.5Z", "2021-12-16T22:34:00.500Z"],
      ["2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"],
      // A leap second is the instant after :59.
      ["2016-12-31T23:59:60Z", "2017-01-01T00:00:00.000Z"],
    ];
    for (const [text, instant] of cases)
      expect([text, parseRfc3339(text)?.toISOString()]).toEqual([text, instant]);
  });

  it("refuses what RFC 3339 does not allow", () => {
    for (const text of [
      "2022-03-17",
      "2022-03-17T13:03:42",
      "2022-03-17 13:03:42Z",
      "2022-03-17T13:03Z",
      "2022-03-17T13:03:42.Z",
      "2022-03-17T13:03:42+0100",
      "2022-13-01T00:00:00Z",
      "2023-02-29T00:00:00Z",
      "2022-03-17T24:00:00Z",
      "2022-03-17T13:60:00Z",
      "2022-03-17T13:03:42+24:00",
      "22-03-17T13:03:42Z",
      " 2022-03-17T13:03:42Z",
    ]) {
      expect([text, parseRfc3339(text)]).toEqual([text, undefined]);
    }
  });
});
