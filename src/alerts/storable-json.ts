// JSON text as PostgreSQL stores it: its `jsonb` and `text` refuse NUL characters and lone
// surrogates. Used at intake, where alert details are rebuilt from their cleaned JSON (so the
// tree a draft holds, and is charged for, is the one stored: intake/draft.ts), and by the commit
// for the rest of a signal (store.ts).

/**
 * JSON text without the escapes PostgreSQL refuses: `\u0000` removed, a lone surrogate (which
 * JSON.stringify writes as an escape; paired ones it writes as characters) replaced by U+FFFD as
 * toWellFormed does. One pass over the text.
 */
export function storableJson(json: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < json.length; i++) {
    if (json.charCodeAt(i) !== 92) continue; // a backslash: the escape is the next character(s)
    if (json.charCodeAt(i + 1) !== 117) {
      i++; // \\, \", \n ...: skip the escaped character
      continue;
    }
    const code = Number.parseInt(json.slice(i + 2, i + 6), 16);
    if (code === 0 || (code >= 0xd800 && code <= 0xdfff)) {
      out += json.slice(from, i) + (code === 0 ? "" : "\\ufffd");
      from = i + 6;
    }
    i += 5;
  }
  return from === 0 ? json : out + json.slice(from);
}

/** Cleaned JSON text parsed back, `__proto__` keys dropped as the intake's parser drops them. */
export function parseStorableJson(json: string): unknown {
  const clean = storableJson(json);
  if (!clean.includes("__proto__")) return JSON.parse(clean);
  return JSON.parse(clean, (key, value) => (key === "__proto__" ? undefined : value));
}
