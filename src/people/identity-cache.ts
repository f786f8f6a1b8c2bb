// Who a platform user is, remembered for a few seconds. Every command resolves its caller to a
// Person and the permission policy reads that Person's identities (roles are granted to
// identities, emails and groups in the access configuration); both were 1–3 round trips per
// command and per outbound audience. Persons and identities change only when someone is first
// seen (People.resolve) or the on-call directory is applied (People.link): those writes clear
// this replica's cache at once. Another replica's writes reach this one within TTL_MS: a role
// granted or revoked by an identity or email change on replica B holds on replica A for at most
// that long. Authority itself comes from configuration (ACCESS_CONFIG), read at start, so no
// cache outlives a change of it. Only found rows are kept (someone unknown is asked for again).
import type { PlatformName } from "../chat/invocation.ts";
import type { Db } from "../db/database.ts";
import type { Person } from "../generated/prisma/client.ts";

/** How long another replica's identity or email change may take to reach this one. */
export const IDENTITY_CACHE_TTL_MS = 5_000;
/** Past this many entries the cache starts again empty (memory stays bounded). */
const MAX_ENTRIES = 20_000;

export interface Identity {
  platform: PlatformName;
  externalId: string;
}

interface Entry<T> {
  value: T;
  until: number;
}

export class IdentityCache {
  readonly #ttlMs: number;
  readonly #people = new Map<string, Entry<Person>>();
  readonly #identities = new Map<string, Entry<Identity[]>>();
  #generation = 0;

  constructor(ttlMs = IDENTITY_CACHE_TTL_MS) {
    this.#ttlMs = ttlMs;
  }

  /** The Person behind a platform identity, loading it (and remembering a found one) when needed. */
  async person(
    platform: string,
    externalId: string,
    load: () => Promise<Person | null>,
  ): Promise<Person | null> {
    return this.#through(this.#people, `${platform}\u0000${externalId}`, load);
  }

  /** A Person's identities on every platform. */
  async identities(personId: string, load: () => Promise<Identity[]>): Promise<Identity[]> {
    return (await this.#through(this.#identities, personId, load)) ?? [];
  }

  /**
   * A Person or identity was written: forget everything (writes are rare, reads are per command).
   * A read that started before the write is not kept either.
   */
  written(): void {
    this.#generation++;
    this.#people.clear();
    this.#identities.clear();
  }

  /** Counts this replica's writes: taken before a write whose result `rememberPerson` may keep. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * The Person a write of this replica just committed for this identity, after that write's own
   * `written`; `before` is the generation taken before the write began. Kept only if no other
   * write ended meanwhile: the Person was read inside the write (an email-linked one), and a
   * directory change since may have changed what it holds (its email, which may grant roles).
   */
  rememberPerson(platform: string, externalId: string, person: Person, before: number): void {
    if (this.#generation !== before + 1) return;
    if (this.#people.size >= MAX_ENTRIES) this.#people.clear();
    this.#people.set(`${platform}\u0000${externalId}`, {
      value: person,
      until: performance.now() + this.#ttlMs,
    });
  }

  async #through<T>(
    map: Map<string, Entry<T>>,
    key: string,
    load: () => Promise<T | null>,
  ): Promise<T | null> {
    const now = performance.now();
    const hit = map.get(key);
    if (hit && hit.until > now) return hit.value;
    // A write that lands while this read runs clears the cache; its result is then not kept.
    const generation = this.#generation;
    const value = await load();
    if (value !== null && generation === this.#generation) {
      if (map.size >= MAX_ENTRIES) map.clear();
      map.set(key, { value, until: now + this.#ttlMs });
    }
    return value;
  }
}

const caches = new WeakMap<Db, IdentityCache>();

/** The one cache per database client, shared by People and the permission policy. */
export function identityCacheOf(db: Db): IdentityCache {
  let cache = caches.get(db);
  if (!cache) {
    cache = new IdentityCache();
    caches.set(db, cache);
  }
  return cache;
}
