// A clear-signed text pasted into the console arrives as many lines, but it is one command:
// `/bulletin verify` followed by `-----BEGIN PGP SIGNED MESSAGE-----` ... `-----END PGP
// SIGNATURE-----` (on the command's line or the next) is gathered into one multi-line command,
// in a terminal and in a piped script alike. Every other line is a command of its own.

const VERIFY = /^[/!]bulletin\s+verify$/i;
const VERIFY_THEN_BEGIN = /^([/!]bulletin\s+verify)\s+(-----BEGIN PGP SIGNED MESSAGE-----)$/i;
const BEGIN = "-----BEGIN PGP SIGNED MESSAGE-----";
const END = "-----END PGP SIGNATURE-----";

export interface PasteHooks {
  /** A bare `/bulletin verify` was typed: the next line may start the signed text. */
  awaitingBlock?(): void;
}

/** Groups input lines into commands; each yielded array is the physical lines of one command. */
export async function* gatherCommands(lines: AsyncIterable<string>, hooks: PasteHooks = {}) {
  let held: string | undefined;
  let block: string[] | undefined;
  for await (const line of lines) {
    const trimmed = line.trim();
    if (block) {
      block.push(line);
      if (trimmed === END) {
        yield block;
        block = undefined;
      }
      continue;
    }
    if (held !== undefined) {
      const command = held;
      held = undefined;
      if (trimmed === BEGIN) {
        block = [command, line];
        continue;
      }
      yield [command];
    }
    if (VERIFY.test(trimmed)) {
      held = line;
      hooks.awaitingBlock?.();
      continue;
    }
    const together = VERIFY_THEN_BEGIN.exec(trimmed);
    if (together) {
      block = [together[1]!, together[2]!];
      continue;
    }
    yield [line];
  }
  // Input ended inside a paste: hand over what came, so the command says what is missing.
  if (held !== undefined) yield [held];
  if (block) yield block;
}
