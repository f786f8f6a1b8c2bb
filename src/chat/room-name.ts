// Room names for incidents, in Slack's rules (the strictest of the platforms), used by every
// platform that names rooms: `inc-2026-0001-phishing-wave`. Slack accepts only lowercase
// letters, digits, `-` and `_`, at most 80 characters, unique in the workspace (archived channels
// included), so a collision is answered with a `-2`, `-3`, ... suffix.

export const SLACK_CHANNEL_NAME_MAX_LENGTH = 80;

// Letters that Unicode decomposition does not reduce to ASCII, spelled the way people would
// type them on an ASCII keyboard.
const LETTERS_WITHOUT_DECOMPOSITION: Record<string, string> = {
  ß: "ss",
  æ: "ae",
  œ: "oe",
  ø: "o",
  đ: "d",
  ð: "d",
  ł: "l",
  þ: "th",
  ı: "i",
  ħ: "h",
};

/**
 * Turns free text into dash-separated Slack name words: accents are dropped (é -> e), letters
 * without an ASCII form (emoji, CJK, symbols) act as separators, runs of separators collapse.
 */
export function slugForChannelName(text: string): string {
  const lower = text.toLowerCase();
  let ascii = "";
  for (const char of lower) {
    ascii += LETTERS_WITHOUT_DECOMPOSITION[char] ?? char;
  }
  return ascii
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/**
 * The channel name for an incident: the incident id, then as many whole title words as fit.
 * `attempt` 1 is the plain name; attempt n >= 2 appends `-n` (after a `name_taken`), still
 * within 80 characters. The id is never cut (unless the id alone is too long).
 */
export function incidentChannelName(publicId: string, title: string, attempt = 1): string {
  const suffix = attempt >= 2 ? `-${attempt}` : "";
  const budget = SLACK_CHANNEL_NAME_MAX_LENGTH - suffix.length;
  const id = slugForChannelName(publicId).slice(0, budget).replace(/-+$/, "") || "incident";
  const titleWords = slugForChannelName(title);
  const room = budget - id.length - 1; // the dash between id and title
  const titlePart = room > 0 ? fitWords(titleWords, room) : "";
  return `${titlePart ? `${id}-${titlePart}` : id}${suffix}`;
}

/** Cuts dash-separated words to `max` characters at a word boundary; one overlong word is cut. */
function fitWords(words: string, max: number): string {
  if (words.length <= max) return words;
  const cut = words.slice(0, max + 1);
  const lastDash = cut.lastIndexOf("-");
  if (lastDash > 0) return cut.slice(0, lastDash);
  return words.slice(0, max);
}

/** True when Slack would accept `name` as a channel name. */
export function isValidChannelName(name: string): boolean {
  return name.length > 0 && name.length <= SLACK_CHANNEL_NAME_MAX_LENGTH && /^[a-z0-9_-]+$/.test(name);
}
