// What the /bulletin commands share: the bulletins service, and which subscriptions a command
// means (named, or the ones posting to the room it was typed in).
import type { Bulletins } from "../../src/bulletins/service.ts";
import type { Subscription } from "../../src/bulletins/subscriptions.ts";
import { UserError } from "../../src/errors.ts";
import type { CommandContext, ParsedArgs } from "../../src/router/command.ts";

export function bulletinDesk(ctx: CommandContext): Bulletins {
  const bulletins = ctx.services.bulletins;
  if (!bulletins) throw new UserError("Bulletins are not set up in this desk.");
  return bulletins;
}

/** `[subscription]`: one optional word naming a subscription id or its room. */
export function chosenSubscriptions(ctx: CommandContext, args: ParsedArgs<unknown>): Subscription[] {
  if (args.words.length > 1) throw new UserError("Name one subscription (or none for this room's).");
  return bulletinDesk(ctx).resolve(args.words[0], {
    platform: ctx.origin.platform,
    roomId: ctx.origin.room.roomId,
  });
}
