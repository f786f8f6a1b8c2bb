// Matrix as configuration and commands see it: `@alice:example.org`, `!room:server` or `#alias:server`.
import { z } from "zod";
import type { PlatformDescriptor } from "../platform-descriptor.ts";
import { matrixEnvironment } from "./environment.ts";
import { parseMatrixMention } from "./mentions.ts";

export const matrixDescriptor: PlatformDescriptor = {
  name: "matrix",
  title: "Matrix",
  userId: {
    schema: z.string().regex(/^@[^:\s]+:\S+$/, 'a Matrix user id looks like "@alice:example.org"'),
    example: "@alice:example.org",
    normalise: (id) => id,
  },
  roomId: {
    schema: z
      .string()
      .regex(/^[!#][^:\s]+:\S+$/, 'a Matrix room looks like "!abc123:example.org" or "#csirt:example.org"'),
    example: '"!room:server"',
  },
  parseMention: parseMatrixMention,
  // A user id's server part is vouched for by federation.
  belongsTo(externalId, organisation) {
    const colon = externalId.indexOf(":");
    return colon > 0 && organisation.matrixHomeservers.has(externalId.slice(colon + 1).toLowerCase());
  },
  // An event is at most 64 KiB with its HTML twin. Room is left for a signature note.
  limits: { maxChars: 24_000 },
  environment: matrixEnvironment,
  mirrorable: true,
};
