import { code, context, fields, heading, text } from "../../src/chat/message.ts";
import { defineCommand } from "../../src/router/command.ts";
import { bulletinDesk } from "./desk.ts";

export default defineCommand({
  group: "bulletin",
  name: "key",
  summary: "Show the team's public OpenPGP key that bulletins are signed with, and its fingerprint.",
  permission: "viewer",
  incident: "none",
  positional: "none",
  async handler(ctx) {
    const key = bulletinDesk(ctx).signer.key;
    if (!key) {
      return {
        reply: {
          visibility: "ephemeral",
          message: {
            blocks: [
              text(
                "No signing key is configured, so bulletins go out unsigned. Create one with `npm run keys:generate` and set BULLETIN_SIGNING_KEY and BULLETIN_SIGNING_PASSPHRASE.",
              ),
            ],
          },
        },
      };
    }
    return {
      reply: {
        visibility: "ephemeral",
        message: {
          blocks: [
            heading("Bulletin signing key"),
            fields([["Fingerprint", key.fingerprint]]),
            code(key.publicKeyArmored.trim()),
            context("Import it with gpg --import, compare the fingerprint, then gpg --verify a bulletin."),
          ],
        },
      },
    };
  },
});
