// RFC 3339 date-times, as CSAF and the KEV catalog use them (JSON Schema `format: date-time`):
// `2022-03-17T13:03:42.105Z`, `2021-12-16T22:34:00+01:00`. RFC 3339 §5.6 lets "T" and "Z" be
// lower case, allows any number of fractional digits and requires an offset; zod's datetime
// refuses the lower case, which dropped valid advisories. Nothing else is accepted: no space for
// "T", no missing offset, no out-of-range field.
import { z } from "zod";

const PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** The instant an RFC 3339 date-time names, or undefined when it is not one. */
export function parseRfc3339(value: string): Date | undefined {
  const match = PATTERN.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction = "", zulu, sign, offsetHours, offsetMinutes] =
    match;
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || s > 60) return undefined;
  const offset = zulu ? 0 : (sign === "-" ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes));
  if (!zulu && (Number(offsetHours) > 23 || Number(offsetMinutes) > 59)) return undefined;
  // Milliseconds are what a Date holds; further fractional digits are dropped, not rounded.
  const milliseconds = Number(fraction.slice(1, 4).padEnd(3, "0"));
  // A leap second (:60) is the instant after :59.999, as POSIX time counts it.
  const utc = Date.UTC(y, mo - 1, d, h, mi, s, milliseconds) - offset * 60_000;
  return new Date(utc);
}

/** A string field that must be an RFC 3339 date-time (kept as the string it was). */
export const rfc3339Schema = z
  .string()
  .refine((value) => parseRfc3339(value) !== undefined, "expected an RFC 3339 date-time");
