import { verifyClearSigned } from "../../src/bulletins/signing.ts";
import { context, text } from "../../src/chat/message.ts";
import { UserError } from "../../src/errors.ts";
import { formatTime } from "../../src/incidents/render.ts";
import { defineCommand } from "../../src/router/command.ts";
import { bulletinDesk } from "./desk.ts";

export default defineCommand({
  group: "bulletin",
  name: "verify",
  summary: "Check a clear-signed bulletin against the team key: paste the whole text after the command.",
  words: "<clear-signed text>",
  permission: "viewer",
  incident: "none",
  // Verbatim: a signature breaks if one character changes, and a bulletin runs to many lines.
  positional: "raw",
  maxLength: 100_000,
  async handler(ctx, args) {
    if (!args.text) throw new UserError("Paste the clear-signed text after the command.");
    const key = bulletinDesk(ctx).signer.key;
    if (!key) throw new UserError("No signing key is configured here, so there is nothing to check against.");
    const result = await verifyClearSigned(args.text, key.publicKeyArmored, {
      date: ctx.services.clock.now(),
    });
    const message = result.valid
      ? {
          blocks: [
            text(
              `✅ Good signature by the team key ${result.fingerprint}, made ${formatTime(result.signedAt, ctx.services.timeZone)}.`,
            ),
            context(`${result.signedText.split("\n").length} lines of signed text, unchanged since signing.`),
          ],
        }
      : {
          blocks: [
            text(`❌ Not a valid bulletin from this team: ${result.reason}`),
            context(
              "Only the text between the armor lines is signed; chat clients that reformat text break it.",
            ),
          ],
        };
    return { reply: { visibility: "ephemeral", message } };
  },
});
