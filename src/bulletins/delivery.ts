// Posting a signed bulletin (digest, statistics, manual advisory, post-incident report): the TLP
// gate first, then the readable message with the key fingerprint, then the clear-signed text as a
// file where the platform takes files (in the message as a code block where it does not), and any
// attachments such as a chart.
import type { PlatformName } from "../chat/invocation.ts";
import { type ChatFile, code, context, type Message } from "../chat/message.ts";
import { platformDescriptor } from "../chat/platforms.ts";
import type { Outbox, RoomAddress, Subject } from "../outbox/outbox.ts";
import type { SplitLimits } from "./digest.ts";
import { type PostSteps, SEND_EVERY_STEP, stepName } from "./post-steps.ts";
import { clearSign, type SigningKey } from "./signing.ts";

/** Signs with the team key, or says why a bulletin goes out unsigned. */
export class BulletinSigner {
  readonly key: SigningKey | undefined;

  constructor(key: SigningKey | undefined) {
    this.key = key;
  }

  get fingerprint(): string | undefined {
    return this.key?.fingerprint;
  }

  /** The armored clear-signed text, or undefined when no key is configured. */
  async sign(text: string, date: Date): Promise<string | undefined> {
    return this.key ? clearSign(text, this.key, { date }) : undefined;
  }
}

export const UNSIGNED_WARNING =
  "⚠️ Not signed: no signing key is configured (BULLETIN_SIGNING_KEY); readers cannot check where this came from.";

export function signatureNote(fingerprint: string): string {
  return `Clear-signed with OpenPGP key ${fingerprint}. Check it with gpg --verify, or paste the signed text into /bulletin verify; /bulletin key shows the key.`;
}

export interface Bulletin {
  /** The readable message; its `tlp` is what the TLP gate checks. */
  message: Message;
  /** Canonical text to clear-sign (TLP marking on its first line). */
  text: string;
  /** File name of the signed text, e.g. `soc-daily-2026-03-10.txt.asc` (`.asc` is dropped unsigned). */
  filename: string;
  /** What the document is, e.g. "Advisories digest"; the file's caption says whether it is signed. */
  title: string;
  /** Further files (a chart), posted only where the platform takes files. */
  attachments?: ChatFile[];
}

export type DeliveryResult = { posted: true; signed: boolean } | { posted: false; reason: string };

export interface DeliveryTarget {
  outbox: Outbox;
  room: RoomAddress;
  /** What the bulletin is about: its label, or the incident a report is about. */
  subject: Subject;
}

/**
 * Posts one bulletin through the outbox. Nothing is posted when the outbox refuses; the reason
 * (which names labels, never the content) comes back for a notice or a reply.
 * `steps` lets a retried job skip the message, file and attachments an earlier attempt posted.
 */
export async function deliverBulletin(
  target: DeliveryTarget,
  bulletin: Bulletin,
  signer: BulletinSigner,
  now: Date,
  steps: PostSteps = SEND_EVERY_STEP,
): Promise<DeliveryResult> {
  const { outbox, room, subject } = target;
  // Asked first, so a refused bulletin is neither signed nor announced in the room.
  const admitted = await outbox.admits(room, subject);
  if (!admitted.allowed) return { posted: false, reason: admitted.reason };
  const signed = await signer.sign(bulletin.text, now);
  const takesFiles = outbox.takesFiles(room.platform);
  // Unsigned, the canonical text still travels: for a report it is the document itself.
  const file: ChatFile = signed
    ? { filename: bulletin.filename, content: signed, title: `${bulletin.title} (clear-signed)` }
    : {
        filename: bulletin.filename.replace(/\.asc$/, ""),
        content: bulletin.text,
        title: `${bulletin.title} (not signed)`,
      };
  const blocks = [...bulletin.message.blocks];
  blocks.push(context(signed && signer.fingerprint ? signatureNote(signer.fingerprint) : UNSIGNED_WARNING));
  if (!takesFiles) blocks.push(code(file.content as string));
  const step = stepName("bulletin", `${bulletin.filename}\n${bulletin.text}`);
  let refused: string | undefined;
  await steps.run(`${step}:message`, async () => {
    const posted = await outbox.post(room, { ...bulletin.message, blocks }, subject, "bulletin");
    if (!posted.sent) refused = posted.reason;
    return posted.sent ? posted.messageId : undefined;
  });
  if (refused) return { posted: false, reason: refused };
  if (takesFiles) {
    await steps.run(`${step}:file`, async () => void (await outbox.postFile(room, file, subject)));
    for (const attachment of bulletin.attachments ?? []) {
      await steps.run(
        `${step}:attachment:${attachment.filename}`,
        async () => void (await outbox.postFile(room, attachment, subject)),
      );
    }
  }
  return { posted: true, signed: signed !== undefined };
}

/**
 * The limits for one digest part on a platform (its descriptor's message limits, which leave
 * room for the signature note): without file posts the signed text rides in the
 * message too, so a part may use only half, less the armor and signature (about 600 characters).
 */
export function digestPartLimits(
  platform: PlatformName,
  takesFiles: boolean,
  override?: SplitLimits,
): SplitLimits {
  const limits = override ?? platformDescriptor(platform).limits;
  if (takesFiles) return limits;
  return { ...limits, maxChars: Math.floor((limits.maxChars - 600) / 2) };
}
