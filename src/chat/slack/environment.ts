// Slack's environment variables and the settings read from them: the Slack descriptor's
// configuration (src/chat/slack/descriptor.ts), merged into the one Config by src/config.ts.
import { isHttpUrl, optionalString, unsetOr, variable } from "../../config-variables.ts";
import type { PlatformEnvironment } from "../platform-descriptor.ts";

export interface SlackSettings {
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  apiUrl?: string;
}

const variables = {
  SLACK_BOT_TOKEN: variable(optionalString.refine(unsetOr((v) => v.startsWith("xoxb-"))), {
    isNot: "a Slack bot token",
    use: "the Bot User OAuth Token, which starts with xoxb-",
    example: "xoxb-1234-5678-abcd",
    secret: true,
  }),
  SLACK_SIGNING_SECRET: variable(optionalString, {
    isNot: "a signing secret",
    use: "the Signing Secret from the app's Basic Information page",
    example: "8f14e45fceea167a5a36dedd4bea2543",
    secret: true,
  }),
  SLACK_APP_TOKEN: variable(optionalString.refine(unsetOr((v) => v.startsWith("xapp-"))), {
    isNot: "a Slack app-level token",
    use: "an app-level token with connections:write, which starts with xapp-",
    example: "xapp-1-A0123-4567-abcd",
    secret: true,
  }),
  SLACK_API_URL: variable(optionalString.refine(unsetOr(isHttpUrl)), {
    isNot: "a URL",
    use: "the base URL of the Slack Web API",
    example: "https://slack.com/api/",
  }),
};

type Values = { [K in keyof typeof variables]?: string };

export const slackEnvironment: PlatformEnvironment<SlackSettings> = {
  variables,
  read(env) {
    const e = env as Values;
    const problems: string[] = [];
    if (e.SLACK_BOT_TOKEN && !e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET) {
      problems.push(
        "SLACK_BOT_TOKEN is set without SLACK_SIGNING_SECRET (for the HTTP receiver) or SLACK_APP_TOKEN (for Socket Mode): set one, e.g. SLACK_APP_TOKEN=xapp-1-A0123-4567-abcd.",
      );
    }
    if ((e.SLACK_APP_TOKEN || e.SLACK_SIGNING_SECRET) && !e.SLACK_BOT_TOKEN) {
      problems.push(
        "SLACK_BOT_TOKEN is missing while other SLACK_ variables are set: set the bot token too, e.g. SLACK_BOT_TOKEN=xoxb-1234-5678-abcd.",
      );
    }
    if (problems.length) return { problems };
    const slack = e.SLACK_BOT_TOKEN
      ? {
          botToken: e.SLACK_BOT_TOKEN,
          signingSecret: e.SLACK_SIGNING_SECRET,
          appToken: e.SLACK_APP_TOKEN,
          apiUrl: e.SLACK_API_URL,
        }
      : undefined;
    return { settings: slack, problems };
  },
  async load(loaded) {
    // Over HTTP the ack thread is spawned first: its isolate boots and its code loads on the
    // other core while the database starts and Bolt loads here, instead of after both (it was
    // the last thing a start waited for). Socket Mode has no thread.
    const prepared = loaded.appToken
      ? undefined
      : await import("./ack-thread.ts").then(({ prepareAckThread }) => prepareAckThread());
    // Imported only when configured: Bolt is a sizeable share of the memory of an idle process.
    const { SlackPlatform } = await import("./slack-platform.ts");
    return (settings, { http, log }) =>
      new SlackPlatform({
        ...settings,
        signingSecret: settings.signingSecret ?? "",
        http,
        log,
        // Only for the platform made from the settings the thread was prepared for.
        preparedAckThread: settings === loaded ? prepared : undefined,
      });
  },
};
