// Reading what /oncall commands are about: a team or a person to page, a configured person to
// put on call, a page number.
import { mentionOf, text } from "../../src/chat/message.ts";
import { UserError } from "../../src/errors.ts";
import type { Person } from "../../src/generated/prisma/client.ts";
import type { OncallPerson, Team } from "../../src/oncall/config.ts";
import { formatLocal } from "../../src/oncall/messages.ts";
import type { PageTarget } from "../../src/paging/paging.ts";
import type { CommandContext, CommandResult, ParsedArgs } from "../../src/router/command.ts";

/**
 * `csirt` (a team: its on-call, with its escalation policy) or `@bob` (one person): the first
 * word of a command declaring `leadingWords: 1`, a mention already resolved by the router.
 */
export async function pageTarget(ctx: CommandContext, args: ParsedArgs<unknown>): Promise<PageTarget> {
  const { directory } = ctx.services.oncall;
  // Only someone tocsin can reach: a person of the on-call configuration (linked to their
  // accounts at start; Paging checks one is on a running platform) or someone who has used
  // tocsin on this platform (the command declares `knownMentionsOnly`). A mere handle is no one:
  // the console accepts any name, and a page to it would "go out" and escalate with nobody to answer.
  const [person] = args.mentions;
  if (person) return { kind: "person", person };
  const [stranger] = args.strangers;
  if (stranger) {
    throw new UserError(
      `I can't page ${stranger}: they are not in the on-call configuration and have never used tocsin on ${ctx.origin.platform}, so nobody would get the page. Page a team, or add them to people: in ONCALL_CONFIG and run /oncall reload.`,
    );
  }
  const [word] = args.words;
  if (!word) throw new UserError("Whom should I page? Name a team or mention a person.");
  const config = directory.config;
  const team = directory.findTeam(word);
  if (!team) {
    throw new UserError(
      `"${word}" is neither a team (${config.teams.map((t) => t.id).join(", ")}) nor a mention like @alice.`,
    );
  }
  return { kind: "team", team };
}

/** The person as a mention the caller can type back (`@carol`, `<@U123>`), else their name. */
export async function typedMention(ctx: CommandContext, person: Person): Promise<string> {
  const identity = (await ctx.services.people.identities(person.id)).find(
    (i) => i.platform === ctx.origin.platform,
  );
  return identity ? mentionOf(identity.externalId) : ctx.mention(person);
}

/** The configured person a mentioned Person is: only they can be put on call. */
export function configuredPerson(ctx: CommandContext, person: Person): OncallPerson {
  const configured = ctx.services.oncall.directory.configPersonOf(person.id);
  if (!configured) {
    throw new UserError(
      `${person.displayName} is not in the on-call configuration (people:), so they can't be put on call. Add them to ONCALL_CONFIG and run /oncall reload.`,
    );
  }
  return configured;
}

/** The team of a cover or override: the one named, else the person's only team. */
export function overrideTeam(ctx: CommandContext, person: OncallPerson, requested: string | undefined): Team {
  const { directory } = ctx.services.oncall;
  if (requested) return directory.team(requested);
  const teams = directory.config.teams.filter(
    (t) => t.members.includes(person.id) || t.leads.includes(person.id),
  );
  if (teams.length === 1) return teams[0]!;
  if (teams.length === 0) {
    throw new UserError(`${person.name} is on no team; say which: team:<id>.`);
  }
  throw new UserError(
    `${person.name} is on several teams (${teams.map((t) => t.id).join(", ")}); say which: team:<id>.`,
  );
}

/** `12` or `#12` (a page's or an override's number); undefined when no word was given. */
export function pageNumber(words: string[], what = "a page number"): number | undefined {
  if (words.length === 0) return undefined;
  const match = words.length === 1 ? /^#?(\d{1,9})$/.exec(words[0] ?? "") : null;
  if (!match) throw new UserError(`"${words.join(" ")}" is not ${what} such as 12.`);
  return Number(match[1]);
}

/** The caller's zone for reading times they type: their configured zone, else the team's. */
export function callerZone(ctx: CommandContext, team: Team): string {
  return ctx.origin.actor.timeZone ?? ctx.services.oncall.directory.teamZone(team);
}

/**
 * Takes a shift (`cover`, `override`): records the override and answers the room in the team's
 * local time. `start` undefined means now.
 */
export async function takeShift(
  ctx: CommandContext,
  shift: { team: Team; person: OncallPerson; start?: Date; end: Date; rotationId?: string; reason: string },
): Promise<CommandResult> {
  const { directory } = ctx.services.oncall;
  const start = shift.start ?? ctx.services.clock.now();
  const { number } = await directory.addOverride(ctx.origin, {
    teamId: shift.team.id,
    personId: shift.person.id,
    start,
    end: shift.end,
    rotationId: shift.rotationId,
    reason: shift.reason,
  });
  const zone = directory.teamZone(shift.team);
  const layer = shift.rotationId ? ` (${shift.rotationId})` : "";
  const from = shift.start ? formatLocal(start, zone) : "now";
  return {
    reply: {
      visibility: "room",
      message: {
        blocks: [
          text(
            `🔁 ${shift.person.name} is on call for ${shift.team.name}${layer} from ${from} until ${formatLocal(shift.end, zone)}. Override #${number} (\`/oncall override remove ${number}\` takes it back).`,
          ),
        ],
      },
    },
  };
}
