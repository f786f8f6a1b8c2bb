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

/**
 * Cleaned JSON text parsed back, `__proto__` keys dropped as the intake's parser drops them. When
 * the cleaning changed the text it is parsed twice: removing NULs can make distinct keys one
 * (`"1\u000023"`, `"12\u00003"`, `"123"`), and V8's JSON.parse sizes an object's element store
 * by its index keys counted with their duplicates (the attack review of 2026-12-01).
 */
export function parseStorableJson(json: string): unknown {
  const clean = storableJson(json);
  const parsed = clean.includes("__proto__")
    ? JSON.parse(clean, (key, value) => (key === "__proto__" ? undefined : value))
    : JSON.parse(clean);
  return clean === json ? parsed : JSON.parse(JSON.stringify(parsed));
}
