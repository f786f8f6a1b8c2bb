// "Pigeon", a platform that exists only in tests: people are `~name`, rooms `&name`. Its whole
// definition is this folder; registering the descriptor is all tocsin needs to know of it.
import { z } from "zod";
import type { PlatformDescriptor } from "../../../src/chat/platform-descriptor.ts";

const NAME = /^~?([a-z][a-z0-9-]{0,31})$/;

export const pigeonDescriptor: PlatformDescriptor = {
  name: "pigeon",
  title: "Pigeon",
  userId: {
    schema: z.string().regex(NAME, 'a Pigeon user looks like "~alice"'),
    example: "~alice",
    normalise: (id) => id.replace(/^~/, ""),
  },
  roomId: { schema: z.string().regex(/^&\S+$/, 'a Pigeon room looks like "&soc"'), example: '"&room"' },
  parseMention: (token) => (token.startsWith("~") ? NAME.exec(token)?.[1] : undefined),
  belongsTo: () => true,
  limits: { maxChars: 4_000 },
  mirrorable: false,
};
