// The command router: one path for every platform.
//   Invocation -> tokenise -> find command -> resolve actor, mentions, incident -> check
//   permission -> parse options (zod) -> handler -> reply and announcements.
// Bad input becomes a friendly UserError with usage; anything else is logged with a short
// correlation id, and the responder sees only that id.

import { randomUUID } from "node:crypto";
import { closest, distance } from "fastest-levenshtein";
import type { z } from "zod";
import { type PermissionPolicy, PermissionRefused } from "../access/permissions.ts";
import { recordRefusal } from "../access/refusals.ts";
import { visibleIncident } from "../access/visibility.ts";
import type { Origin } from "../activity/origin.ts";
import type { Invocation, PlatformName, Reply } from "../chat/invocation.ts";
import type { Message } from "../chat/message.ts";
import { context, text } from "../chat/message.ts";
import { isUserError, UserError } from "../errors.ts";
import type { Incident, Person } from "../generated/prisma/client.ts";
import type { Metrics } from "../http/metrics.ts";
import { aboutIncident } from "../incidents/incident-rooms.ts";
import { DuplicateEvent } from "../incidents/incidents.ts";
import type { Subject } from "../outbox/outbox.ts";
import type { Services } from "../services.ts";
import { inCallersSyntax } from "./callers-syntax.ts";
import type { CommandContext, CommandResult, CommandServices, CommandSpec, ParsedArgs } from "./command.ts";
import { commandHelp, groupHelp } from "./help.ts";
import { withHint } from "./hints.ts";
import { readOptionWord } from "./option-words.ts";
import { rawArgs } from "./raw-text.ts";
import { MAX_COMMAND_LENGTH, sanitizeCommandLine, type Token, TokenizeError, tokenize } from "./tokenizer.ts";
import { type CommandVocabulary, commandVocabulary } from "./vocabulary.ts";

/** How a command ended: answered, refused (a sentence why), failed unexpectedly, or a redelivery. */
export type CommandOutcome = "ok" | "refused" | "error" | "duplicate";

export class Router {
  readonly #commands: readonly CommandSpec[];
  readonly #services: Services;
  /** The narrow part of the services a handler gets: no platform, database, HTTP or metrics. */
  readonly #commandServices: CommandServices;
  readonly #permissions: PermissionPolicy;
  readonly #metrics: Metrics | undefined;
  readonly #vocabulary: CommandVocabulary;

  constructor(
    commands: readonly CommandSpec[],
    services: Services,
    permissions: PermissionPolicy,
    metrics?: Metrics,
  ) {
    this.#commands = commands;
    this.#services = services;
    this.#commandServices = commandServicesOf(services);
    this.#vocabulary = commandVocabulary(commands);
    this.#permissions = permissions;
    this.#metrics = metrics;
  }

  get commands(): readonly CommandSpec[] {
    return this.#commands;
  }

  /** Handles one invocation end to end. Never throws: every outcome is a reply or a log line. */
  async handle(invocation: Invocation): Promise<CommandOutcome> {
    // Eight random hex digits: a v4 UUID's first eight are random, and randomUUID draws from a
    // buffered pool where randomBytes(4) asks the system for entropy on every command.
    const correlationId = randomUUID().slice(0, 8);
    // A child logger costs a serialisation of its bindings: made only for the rarer lines, the
    // one line of an answered command carries the same fields itself.
    let child: Services["log"] | undefined;
    const log = () => {
      child ??= this.#services.log.child({ correlationId, platform: invocation.platform });
      return child;
    };
    let command: CommandSpec | undefined;
    const started = performance.now();
    const count = (outcome: string) => {
      const name = command ? `${command.group} ${command.name}` : "unknown";
      this.#metrics?.commands.inc({ platform: invocation.platform, command: name, outcome });
      this.#metrics?.commandSeconds.observe({ command: name }, (performance.now() - started) / 1000);
    };
    try {
      const found = this.#find(invocation.text);
      if ("reply" in found) {
        await this.#answer(invocation, this.#inCallersSyntax(found.reply, invocation.text), INTERFACE);
        return "ok";
      }
      command = found.command;
      const platform = invocation.platform;
      const actor = await this.#resolveActor(invocation);
      const origin: Origin = {
        actor,
        actorExternalId: invocation.actor.externalId,
        platform: invocation.platform,
        room: invocation.room,
        correlationId,
        dedupeKey: invocation.dedupeKey,
      };
      const { args, incidentId } = await this.#parseArgs(command, found.rest, platform);
      // Who may run the command at all is settled before any incident is looked up, so the
      // answer never tells an existing incident from a missing one.
      await this.#permissions.requireBeforeIncident(actor, command.permission, { command, incidentId });
      const incident = await this.#resolveIncident(command, incidentId, invocation, actor);
      await this.#permissions.require(actor, command.permission, { incident, command });
      const ctx: CommandContext = {
        origin,
        services: this.#commandServices,
        incident,
        mention: (p) => p.displayName,
      };
      const started = performance.now();
      const result = await command.handler(ctx, args);
      this.#services.log.info(
        {
          correlationId,
          platform,
          command: `${command.group} ${command.name}`,
          incidentId: incident?.publicId,
          ms: performance.now() - started,
        },
        "command handled",
      );
      await this.#deliver(invocation, result, incident);
      count("ok");
      return "ok";
    } catch (error) {
      if (error instanceof DuplicateEvent) {
        log().info({ dedupeKey: invocation.dedupeKey }, "duplicate event ignored");
        count("duplicate");
        return "duplicate";
      }
      const outcome = isUserError(error) ? "refused" : "error";
      count(outcome);
      if (!isUserError(error)) this.#metrics?.errors.inc({ where: "command" });
      await this.#fail(invocation, error, command, correlationId, log());
      if (error instanceof PermissionRefused) {
        // After the answer, so its timing says nothing about whether an incident exists.
        await recordRefusal(
          this.#services,
          error,
          { ...invocation.room, platform: invocation.platform, correlationId },
          log(),
        );
      }
      return outcome;
    }
  }

  #inCallersSyntax(reply: Reply, typed: string): Reply {
    return inCallersSyntax(reply, typed, this.#vocabulary);
  }

  #find(rawText: string): { command: CommandSpec; rest: string } | { reply: Reply } {
    const line = sanitizeCommandLine(rawText);
    // The longest any command takes first, so a huge line costs nothing; then the command's own.
    const longest = Math.max(MAX_COMMAND_LENGTH, ...this.#commands.map((c) => c.maxLength ?? 0));
    if (line.length > longest) {
      throw new UserError(`That command is too long (${line.length} characters, max ${longest}).`, {
        code: "command.too_long",
      });
    }
    const match = /^[/!]?([^\s]*)\s*([\s\S]*)$/.exec(line);
    let groupName = (match?.[1] ?? "").toLowerCase();
    let afterGroup = match?.[2] ?? "";
    // A shorthand (`/ack [page]`, Matrix `!ack`) stands for its group and command.
    const shorthand = this.#vocabulary.shorthands.get(groupName);
    if (shorthand) {
      groupName = shorthand.group;
      afterGroup = `${shorthand.name} ${afterGroup}`;
    }
    const groups = this.#vocabulary.groups;
    if (!groups.includes(groupName)) {
      const suggestion = groupName ? closest(groupName, groups) : "inc";
      throw new UserError(
        `I don't know the command "/${groupName}". Did you mean /${suggestion}? Try \`/${suggestion} help\`.`,
        { code: "command.unknown" },
      );
    }
    const inGroup = this.#commands.filter((c) => c.group === groupName);
    const sub = /^(\S*)\s*([\s\S]*)$/.exec(afterGroup);
    const name = (sub?.[1] ?? "").toLowerCase();
    const rest = sub?.[2] ?? "";
    if (name === "" || name === "help") {
      const target = rest.trim().toLowerCase();
      const command = target
        ? inGroup.find((c) => c.name === target || c.aliases?.includes(target))
        : undefined;
      const ids = this.#services.incidents.ids;
      return { reply: ephemeral(command ? commandHelp(command, ids) : groupHelp(groupName, inGroup)) };
    }
    const command = inGroup.find((c) => c.name === name || c.aliases?.includes(name));
    if (!command) {
      const names = inGroup.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
      const suggestion = names.length ? closest(name, names) : undefined;
      const hint =
        suggestion && distance(name, suggestion) <= 3 ? ` Did you mean \`/${groupName} ${suggestion}\`?` : "";
      throw new UserError(
        `/${groupName} has no command "${name}".${hint} \`/${groupName} help\` lists them.`,
        { code: "command.unknown" },
      );
    }
    if (/^help$/i.test(rest.trim()))
      return { reply: ephemeral(commandHelp(command, this.#services.incidents.ids)) };
    const limit = command.maxLength ?? MAX_COMMAND_LENGTH;
    if (line.length > limit) {
      throw new UserError(`That command is too long (${line.length} characters, max ${limit}).`, {
        code: "command.too_long",
      });
    }
    return { command, rest };
  }

  async #parseArgs(
    command: CommandSpec,
    rest: string,
    platform: PlatformName,
  ): Promise<{ args: ParsedArgs<Record<string, unknown>>; incidentId?: string }> {
    let raw: ReturnType<typeof rawArgs> | undefined;
    if (command.positional === "raw") {
      raw = rawArgs(command, rest, this.#services.incidents.ids);
      if (!command.leadingWords) return raw;
    }
    let tokens: Token[];
    try {
      tokens = tokenize(raw ? raw.leading : rest);
    } catch (error) {
      if (error instanceof TokenizeError)
        throw new UserError(error.message, { code: "command.syntax", usage: usageOf(command) });
      throw error;
    }
    let incidentId: string | undefined;
    const first = tokens[0];
    const ids = this.#services.incidents.ids;
    if (!raw && command.incident !== "none" && first && !first.quoted && ids.matches(first.value)) {
      incidentId = first.value.toUpperCase();
      tokens = tokens.slice(1);
    }

    const declared = command.options ? Object.keys(command.options.shape) : [];
    const options: Record<string, string> = {};
    const words: string[] = [];
    const mentions: Person[] = [];
    const strangers: string[] = [];
    for (const [index, token] of tokens.entries()) {
      const reading = readOptionWord(token, tokens[index + 1], declared);
      if (reading.kind === "refused")
        throw new UserError(reading.message, { code: "options.unknown", usage: usageOf(command) });
      if (reading.kind === "option") {
        if (options[reading.key] !== undefined) {
          throw new UserError(`The option ${reading.key}: is given twice.`, {
            code: "options.repeated",
            usage: usageOf(command),
          });
        }
        options[reading.key] = reading.value;
        continue;
      }
      const mentioned = token.quoted ? undefined : this.#services.outbox.parseMention(platform, token.value);
      if (mentioned !== undefined) {
        const person = command.knownMentionsOnly
          ? await this.#services.people.findByIdentity(platform, mentioned)
          : await this.#resolveMention(platform, mentioned, token.value);
        if (person) mentions.push(person);
        else strangers.push(token.value);
        continue;
      }
      words.push(token.value);
    }
    if (command.positional === "none" && words.length > 0) {
      throw new UserError(`\`${command.group} ${command.name}\` takes no words like "${words[0]}".`, {
        code: "arguments.unexpected",
        usage: usageOf(command),
      });
    }
    let parsedOptions: Record<string, unknown> = options;
    if (command.options) {
      const parsed = command.options.safeParse(options);
      if (!parsed.success)
        throw new UserError(describeOptionError(parsed.error, options), {
          code: "options.invalid",
          usage: usageOf(command),
        });
      parsedOptions = parsed.data;
    }
    if (raw) return { args: { ...raw.args, words, mentions, strangers }, incidentId: raw.incidentId };
    return {
      args: { text: words.join(" "), words, options: parsedOptions, mentions, strangers },
      incidentId,
    };
  }

  /** The caller's Person; someone new is created from their full platform profile (email links). */
  async #resolveActor(invocation: Invocation): Promise<Person> {
    const { people, outbox } = this.#services;
    const known = await people.findByIdentity(invocation.platform, invocation.actor.externalId);
    if (known) return known;
    const profile = await outbox
      .lookupUser(invocation.platform, invocation.actor.externalId)
      .catch(() => undefined);
    return people.resolve(invocation.platform, profile ?? invocation.actor);
  }

  async #resolveMention(platform: PlatformName, externalId: string, typed: string): Promise<Person> {
    const known = await this.#services.people.findByIdentity(platform, externalId);
    if (known) return known;
    const user = await this.#services.outbox.lookupUser(platform, externalId);
    if (!user) throw new UserError(`I don't know ${typed} on ${platform}.`, { code: "person.unknown" });
    return this.#services.people.resolve(platform, user);
  }

  async #resolveIncident(
    command: CommandSpec,
    explicitId: string | undefined,
    invocation: Invocation,
    actor: Person,
  ): Promise<Incident | undefined> {
    if (command.incident === "none") return undefined;
    const { incidents } = this.#services;
    if (explicitId) {
      // A restricted incident does not exist for those outside it: not even its id leaks.
      const where = { platform: invocation.platform, roomId: invocation.room.roomId };
      return visibleIncident({ incidents, permissions: this.#permissions }, actor, explicitId, where);
    }
    // The room itself is the platform's access control: who is in an incident room may act on it.
    const fromRoom = await incidents.findByRoom(invocation.platform, invocation.room.roomId);
    if (fromRoom || command.incident === "optional") return fromRoom ?? undefined;
    throw new UserError(
      `Which incident? Run this in the incident's room or give its id, e.g. \`/${command.group} ${command.name} ${incidents.ids.example()} ...\`.`,
      { code: "incident.unspecified", usage: usageOf(command) },
    );
  }

  async #deliver(
    invocation: Invocation,
    result: CommandResult,
    incident: Incident | undefined,
  ): Promise<void> {
    let reachedCaller = false;
    const announced = result.announce;
    if (announced) {
      const { incidentId, message, timelineEntryId, changed } = announced;
      const posted = await this.#services.rooms.announce(incidentId, message, {
        refreshSummary: false,
        changed,
      });
      if (timelineEntryId) await this.#services.incidents.announced(timelineEntryId);
      reachedCaller = posted.some(
        (p) => p.platform === invocation.platform && p.roomId === invocation.room.roomId,
      );
    }
    try {
      const reply = result.reply ?? (announced && !reachedCaller ? ephemeral(announced.message) : undefined);
      if (!reply) return;
      await this.#answer(invocation, reply, await this.#subjectOf(result, reply, incident), result.content);
    } finally {
      // After the answer: the caller does not wait for the pinned summaries' edits and topics,
      // and a change of the same incident arriving meanwhile joins the refresh queued behind
      // this one (coalesced per incident, reading the latest state), so under load a burst of
      // changes costs fewer edits. The command still ends only once its refresh has run.
      if (announced && (announced.refreshSummary ?? true))
        await this.#services.rooms.refreshAfter(announced.incidentId, announced.changed);
    }
  }

  /**
   * What an answer is about, for the outbox: what the command declared; else the incident it
   * acted on (anything an incident's command says is treated as that incident's content); else
   * the label the message carries; else the bot's own words.
   */
  async #subjectOf(result: CommandResult, reply: Reply, incident: Incident | undefined): Promise<Subject> {
    if (result.about) return result.about;
    const incidentId = result.incidentId ?? result.announce?.incidentId;
    const about =
      incidentId && incidentId !== incident?.id
        ? await this.#services.incidents.findById(incidentId)
        : incident;
    if (about) return aboutIncident(about);
    if (reply.message.tlp) return { kind: "label", tlp: reply.message.tlp };
    return INTERFACE;
  }

  async #answer(
    invocation: Invocation,
    reply: Reply,
    subject: Subject,
    content?: CommandResult["content"],
  ): Promise<void> {
    await this.#services.outbox.reply(invocation, reply, subject, content);
  }

  async #fail(
    invocation: Invocation,
    error: unknown,
    command: CommandSpec | undefined,
    correlationId: string,
    log: Services["log"],
  ): Promise<void> {
    let reply: Reply;
    if (isUserError(error)) {
      // A command's own validation error may come without a code; every other one names its own.
      error.assignCode(command ? `${command.group}.${command.name}.invalid` : "command.invalid");
      log.info(
        {
          code: error.code,
          command: command ? `${command.group} ${command.name}` : undefined,
          detail: error.detail,
        },
        "command refused",
      );
      const blocks = [text(`⚠️ ${withHint(error, { command, ids: this.#services.incidents.ids })}`)];
      const usage = error.usage ?? (command ? usageOf(command) : undefined);
      if (usage) blocks.push(context(`Usage: ${usage}`));
      reply = { visibility: "ephemeral", message: { blocks }, failed: "refused" };
    } else {
      log.error({ err: error, text: invocation.text.slice(0, 200) }, "command failed");
      reply = {
        visibility: "ephemeral",
        failed: "error",
        message: {
          blocks: [
            text(
              `Something went wrong on my side; nothing was changed by the failed step. Reference: ${correlationId}.`,
            ),
          ],
        },
      };
    }
    try {
      await this.#answer(invocation, this.#inCallersSyntax(reply, invocation.text), INTERFACE);
    } catch (respondError) {
      log.error({ err: respondError }, "could not deliver the error reply");
    }
  }
}

/** What of the services a handler may reach (see CommandServices). */
function commandServicesOf(services: Services): CommandServices {
  const { clock, timeZone, incidents, rooms, people, oncall, alerts, bulletins, permissions, outbox } =
    services;
  return {
    clock,
    timeZone,
    incidents,
    rooms,
    people,
    oncall,
    alerts,
    bulletins,
    permissions,
    platforms: {
      runs: (platform: string): platform is PlatformName => outbox.runs(platform),
      mirrorNewIncidentsTo: services.mirrorNewIncidentsTo,
    },
  };
}

export function usageOf(command: CommandSpec): string {
  return `/${command.group} ${command.usage}`;
}

const INTERFACE: Subject = { kind: "interface" };

function ephemeral(message: Message): Reply {
  return { visibility: "ephemeral", message };
}

function describeOptionError(error: z.ZodError, given: Record<string, string>): string {
  const issue = error.issues[0];
  const key = String(issue?.path[0] ?? "");
  if (!key) return issue?.message ?? "Bad options.";
  return `Bad value for ${key}: "${given[key] ?? ""}". ${issue?.message ?? ""}`.trim();
}
