// Who belongs to the organisation. People from outside it get no role unless the access
// configuration names them. It is decided from configuration only, never from anything a user
// controls: a Matrix user id's server part is vouched for by federation, and Slack users reach
// the router only from the installation's own workspace (the Slack platform checks team_id).
import type { Organisation } from "../chat/platform-descriptor.ts";
import { findPlatform } from "../chat/platforms.ts";
import type { AccessConfig } from "./access-config.ts";

// The shape lives with the platform descriptors, which decide membership from it (belongsTo).
export type { Organisation } from "../chat/platform-descriptor.ts";

/** The bot's own homeserver (from MATRIX_USER_ID) and those the access configuration adds. */
export function organisationOf(config: AccessConfig | undefined, matrixUserId?: string): Organisation {
  const homeservers = [...(config?.organisation.homeservers ?? [])];
  if (matrixUserId?.includes(":")) homeservers.push(matrixUserId.slice(matrixUserId.indexOf(":") + 1));
  return { matrixHomeservers: new Set(homeservers.map((h) => h.toLowerCase())) };
}

/** Whether a platform identity is one of the organisation's people. */
export function isInternal(
  organisation: Organisation,
  identity: { platform: string; externalId: string },
): boolean {
  return findPlatform(identity.platform)?.belongsTo(identity.externalId, organisation) ?? false;
}
