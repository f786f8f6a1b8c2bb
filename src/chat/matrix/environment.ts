// Matrix's environment variables and the settings read from them: the Matrix descriptor's
// configuration (src/chat/matrix/descriptor.ts), merged into the one Config by src/config.ts.
import { isHttpUrl, optionalString, unsetOr, variable } from "../../config-variables.ts";
import type { PlatformEnvironment } from "../platform-descriptor.ts";

export interface MatrixSettings {
  homeserverUrl: string;
  accessToken: string;
  userId: string;
  deviceId?: string;
  allowedInviters?: string[];
}

const isMatrixUserId = (value: string) => /^@[^:\s]+:\S+$/.test(value);
const isInviterPattern = (value: string) =>
  value === "*" || /^@?\*:\S+$/.test(value) || isMatrixUserId(value);

const variables = {
  MATRIX_HOMESERVER_URL: variable(optionalString.refine(unsetOr(isHttpUrl)), {
    isNot: "an http(s) URL",
    use: "the homeserver's client-server API URL",
    example: "https://matrix.example.org",
  }),
  MATRIX_ACCESS_TOKEN: variable(optionalString, {
    isNot: "an access token",
    use: "the access_token of the bot's login",
    example: "syt_dG9jc2lu_abcdefghij",
    secret: true,
  }),
  MATRIX_USER_ID: variable(optionalString.refine(unsetOr(isMatrixUserId)), {
    isNot: "a Matrix user id",
    use: "@localpart:server",
    example: "@tocsin:example.org",
  }),
  MATRIX_DEVICE_ID: variable(optionalString, {
    isNot: "a device id",
    use: "the device_id of the bot's login",
    example: "TOCSIN",
  }),
  MATRIX_ALLOWED_INVITERS: variable(
    optionalString.refine(unsetOr((v) => v.split(",").every((entry) => isInviterPattern(entry.trim())))),
    {
      isNot: "a list of inviters",
      use: "user ids (@alice:example.org), *:server or *, separated by commas",
      example: "*:example.org,@alice:partner.org",
    },
  ),
};

type Values = { [K in keyof typeof variables]?: string };

export const matrixEnvironment: PlatformEnvironment<MatrixSettings> = {
  variables,
  read(env) {
    const e = env as Values;
    const problems: string[] = [];
    const matrixVariables = [e.MATRIX_HOMESERVER_URL, e.MATRIX_ACCESS_TOKEN, e.MATRIX_USER_ID];
    if (matrixVariables.some(Boolean) && !matrixVariables.every(Boolean)) {
      const missing = ["MATRIX_HOMESERVER_URL", "MATRIX_ACCESS_TOKEN", "MATRIX_USER_ID"].filter(
        (_, i) => !matrixVariables[i],
      );
      problems.push(
        `Matrix needs MATRIX_HOMESERVER_URL, MATRIX_ACCESS_TOKEN and MATRIX_USER_ID together: ${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} missing, e.g. MATRIX_USER_ID=@tocsin:example.org.`,
      );
    }
    if (problems.length) return { problems };
    const matrix =
      e.MATRIX_HOMESERVER_URL && e.MATRIX_ACCESS_TOKEN && e.MATRIX_USER_ID
        ? {
            homeserverUrl: e.MATRIX_HOMESERVER_URL,
            accessToken: e.MATRIX_ACCESS_TOKEN,
            userId: e.MATRIX_USER_ID,
            deviceId: e.MATRIX_DEVICE_ID,
            allowedInviters: e.MATRIX_ALLOWED_INVITERS?.split(",")
              .map((v) => v.trim())
              .filter(Boolean),
          }
        : undefined;
    return { settings: matrix, problems };
  },
  async load() {
    // Imported only when configured: matrix-js-sdk weighs about 30 MB of RSS.
    const { MatrixPlatform } = await import("./matrix-platform.ts");
    return (settings, { state, log, vocabulary }) =>
      new MatrixPlatform({ ...settings, state, log, commandPrefixes: vocabulary.prefixes("!") });
  },
};
