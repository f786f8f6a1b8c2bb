// Files the bot posts (signed bulletins, SVG charts, reports) are written to a directory when
// the console runs in a terminal, and their path is printed: raw SVG or a whole signed text
// would drown the conversation. An existing file is never overwritten (`name-2.svg`, ...).
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

/** Writes `content` as a new file in `dir` and returns its path. */
export async function saveFile(dir: string, filename: string, content: string | Uint8Array): Promise<string> {
  await mkdir(dir, { recursive: true });
  // The name comes from the bot, but a path separator or a leading dot must not escape `dir`.
  const safe =
    path
      .basename(filename)
      .replace(/[^\w.@+-]/g, "_")
      .replace(/^\.+/, "") || "file";
  const dot = safe.indexOf(".", 1);
  const [stem, extension] = dot > 0 ? [safe.slice(0, dot), safe.slice(dot)] : [safe, ""];
  for (let attempt = 1; ; attempt++) {
    const candidate = path.join(dir, attempt === 1 ? safe : `${stem}-${attempt}${extension}`);
    try {
      await writeFile(candidate, content, { flag: "wx" });
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}
