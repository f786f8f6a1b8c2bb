// Text people typed (commands, titles, display names) must read as it renders and cannot pose as
// the bot: control and format characters (bidi overrides, zero-width joiners, Unicode tags that
// can hide a whole invisible sentence, fillers that render as nothing) are removed, and so are the
// private-use characters the bot marks its own live mentions with (src/chat/message.ts mentionOf).
// Line breaks and tabs stay: notes and pasted blocks keep their lines. Lone surrogates (\p{Cs}:
// JSON carries them, Slack's and Matrix's events included) go too: they render as nothing
// useful, and PostgreSQL's jsonb refuses them (an audit detail holding a title failed its command).

// Combining characters that render as nothing (U+034F, the supplementary variation selectors that
// can smuggle bytes) stand apart from the class: a class may not mix them with others.
const INVISIBLE =
  /[\p{Cc}\p{Cf}\p{Cs}\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0\ue000\ue001\u{e0000}-\u{e007f}]|\u034f|[\u{e0100}-\u{e01ef}]/gu;

/** `text` without invisible, control and format characters (line breaks and tabs kept). */
export function inertText(text: string): string {
  return text.replace(INVISIBLE, (character) => (character === "\n" || character === "\t" ? character : ""));
}
