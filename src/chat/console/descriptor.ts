// The console as configuration and commands see it: handles (`@alice`) and `#rooms`.
import { z } from "zod";
import type { PlatformDescriptor } from "../platform-descriptor.ts";
import { normaliseHandle } from "./handle.ts";

export const consoleDescriptor: PlatformDescriptor = {
  name: "console",
  title: "the console",
  userId: {
    schema: z.string().min(1),
    example: "alice",
    // Console handles are case-insensitive and typed with or without "@" (console-platform.ts).
    normalise: (id) => id.replace(/^@/, "").toLowerCase(),
  },
  // Any name: the console prints a room's posts under it (on-call channels say `csirt`).
  roomId: { schema: z.string().min(1), example: '"#room"' },
  parseMention: (token) => (token.startsWith("@") ? normaliseHandle(token) : undefined),
  // Whoever types at the terminal runs the process.
  belongsTo: () => true,
  limits: { maxChars: 60_000 },
  // A terminal is seen by whoever runs the process: not offered as a refuge when chat is
  // compromised (`/inc mirror console` still opens one).
  mirrorable: false,
};
