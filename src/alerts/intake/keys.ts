// Which integration a presented key belongs to. Both sides are SHA-256 digests (the
// configuration keeps only the digest), compared with timingSafeEqual against every
// integration without stopping at a match, so the time taken says nothing about the key.
import { hash, timingSafeEqual } from "node:crypto";
import type { Integration } from "../integrations.ts";

export type DigestEquality = (a: Uint8Array, b: Uint8Array) => boolean;

/** What a key is checked against: the integration's id, kind and key digest (all the edge thread gets). */
export type KeyedIntegration = Pick<Integration, "id" | "kind" | "keyDigest">;

export class IntegrationKeys<I extends KeyedIntegration = Integration> {
  readonly #integrations: () => readonly I[];
  readonly #equal: DigestEquality;
  /** The known digests as bytes, decoded once per configuration (a reload brings a new array). */
  readonly #digests = new WeakMap<readonly I[], Buffer[]>();

  /** `equal` is timingSafeEqual; tests pass a recording one to see it used. */
  constructor(integrations: () => readonly I[], equal: DigestEquality = timingSafeEqual) {
    this.#integrations = integrations;
    this.#equal = equal;
  }

  /** The comparison in use (timingSafeEqual unless a test gave another). */
  get comparesWith(): DigestEquality {
    return this.#equal;
  }

  find(key: string): I | undefined {
    // The one-shot digest: a Hash object per request cost more than the comparison itself.
    const presented = hash("sha256", key, "buffer");
    const integrations = this.#integrations();
    let digests = this.#digests.get(integrations);
    if (!digests) {
      digests = integrations.map((integration) => Buffer.from(integration.keyDigest, "hex"));
      this.#digests.set(integrations, digests);
    }
    let found: I | undefined;
    integrations.forEach((integration, i) => {
      if (this.#equal(presented, digests[i] as Buffer) && found === undefined) found = integration;
    });
    return found;
  }
}

/** The token of `Authorization: Bearer <token>`, if that is what the header holds. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ \t]+([^\s]{1,512})[ \t]*$/i.exec(header);
  return match?.[1];
}
