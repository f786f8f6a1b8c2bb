// Delivery on a platform that cannot post files, and the TLP gate in front of every post.
import { beforeAll, describe, expect, it } from "vitest";
import { BulletinSigner, deliverBulletin, digestPartLimits } from "../../../src/bulletins/delivery.ts";
import { generateSigningKey, loadSigningKey, verifyClearSigned } from "../../../src/bulletins/signing.ts";
import type { ChatFile, Message } from "../../../src/chat/message.ts";
import type { ChatPlatform } from "../../../src/chat/platform.ts";
import { createLogger } from "../../../src/logging.ts";
import { Outbox } from "../../../src/outbox/outbox.ts";

/** A Matrix-like platform that records posts, behind a real outbox; `shared` rooms are external. */
function recordingPlatform(withFiles: boolean, shared: string[] = []) {
  const posts: Message[] = [];
  const files: ChatFile[] = [];
  const platform = {
    name: "matrix",
    async post(_roomId: string, message: Message) {
      posts.push(message);
      return "m1";
    },
    async isExternal(roomId: string) {
      return shared.includes(roomId);
    },
    async isDirectWith() {
      return false;
    },
    isExternalUser: () => false,
    ...(withFiles ? { postFile: async (_roomId: string, file: ChatFile) => void files.push(file) } : {}),
  } as unknown as ChatPlatform;
  const outbox = new Outbox({
    platforms: [platform],
    log: createLogger("silent"),
    directory: {
      incidentOfRoom: async () => undefined,
      roomClearance: () => ({ clearance: "amber", external: false }),
      incidentsOpenTo: async () => new Set(),
    },
  });
  return { platform, outbox, posts, files };
}

const bulletin = {
  message: { tlp: "amber" as const, blocks: [{ kind: "text" as const, text: "Patch now." }] },
  text: "TLP:AMBER\nPatch now.",
  filename: "advisory.txt.asc",
  title: "Security advisory",
};
const AMBER: { kind: "label"; tlp: "amber" } = { kind: "label", tlp: "amber" };
let signer: BulletinSigner;
let publicKey: string;

beforeAll(async () => {
  const pair = await generateSigningKey({
    name: "T",
    passphrase: "x",
    date: new Date("2025-01-01T00:00:00Z"),
  });
  publicKey = pair.publicKeyArmored;
  signer = new BulletinSigner(await loadSigningKey(pair.privateKeyArmored, "x"));
});

describe("bulletin delivery", () => {
  it("puts the signed text in a code block where the platform takes no files", async () => {
    const { outbox, posts } = recordingPlatform(false);
    const now = new Date("2026-03-10T09:00:00Z");
    const room = { platform: "matrix" as const, roomId: "!soc" };
    expect(await deliverBulletin({ outbox, room, subject: AMBER }, bulletin, signer, now)).toEqual({
      posted: true,
      signed: true,
    });
    expect(posts).toHaveLength(1);
    const blocks = posts[0]!.blocks;
    expect(blocks.at(-2)).toMatchObject({
      kind: "context",
      text: expect.stringContaining(signer.fingerprint!),
    });
    const signed = blocks.at(-1);
    expect(signed?.kind).toBe("code");
    if (signed?.kind !== "code") return;
    expect(await verifyClearSigned(signed.text, publicKey, { date: now })).toMatchObject({
      valid: true,
      signedText: bulletin.text,
    });
  });

  it("posts the signed text as a file where it can, and attachments after it", async () => {
    const { outbox, posts, files } = recordingPlatform(true);
    const chart = { filename: "chart.svg", content: "<svg/>", mimeType: "image/svg+xml" };
    await deliverBulletin(
      { outbox, room: { platform: "matrix", roomId: "!soc" }, subject: AMBER },
      { ...bulletin, attachments: [chart] },
      signer,
      new Date("2026-03-10T09:00:00Z"),
    );
    expect(posts[0]!.blocks.some((block) => block.kind === "code")).toBe(false);
    expect(files.map((file) => [file.filename, file.title])).toEqual([
      ["advisory.txt.asc", "Security advisory (clear-signed)"],
      ["chart.svg", undefined],
    ]);
  });

  it("posts and signs nothing when the outbox refuses, and says why", async () => {
    const { outbox, posts, files } = recordingPlatform(true, ["!partners"]);
    const result = await deliverBulletin(
      { outbox, room: { platform: "matrix", roomId: "!partners" }, subject: AMBER },
      bulletin,
      signer,
      new Date(),
    );
    expect(result).toEqual({
      posted: false,
      reason:
        "TLP:AMBER content may not go here: the room is shared outside the organisation (at most TLP:GREEN).",
    });
    expect([posts, files]).toEqual([[], []]);
  });

  it("leaves room for the signed text in the message when it rides along", () => {
    expect(digestPartLimits("matrix", true)).toEqual({ maxChars: 24_000 });
    expect(digestPartLimits("matrix", false)).toEqual({ maxChars: 11_700 });
  });
});
