// The identity cache: a found Person is reused until its time is up or a write clears it; a read
// that a write overtakes is not kept (a revoked identity never outlives the write on this replica).
import { describe, expect, it } from "vitest";
import type { Person } from "../../../src/generated/prisma/client.ts";
import { IdentityCache } from "../../../src/people/identity-cache.ts";
import { until } from "../../support/waiting.ts";

const alice: Person = {
  id: "p-1",
  displayName: "Alice",
  email: null,
  timeZone: null,
  createdAt: new Date(0),
};

describe("the identity cache", () => {
  it("asks once, then answers from memory", async () => {
    const cache = new IdentityCache();
    let loads = 0;
    const load = async () => {
      loads++;
      return alice;
    };
    expect(await cache.person("slack", "U1", load)).toBe(alice);
    expect(await cache.person("slack", "U1", load)).toBe(alice);
    expect(loads).toBe(1);
  });

  it("never keeps someone unknown", async () => {
    const cache = new IdentityCache();
    let loads = 0;
    const load = async () => {
      loads++;
      return null;
    };
    await cache.person("slack", "U2", load);
    await cache.person("slack", "U2", load);
    expect(loads).toBe(2);
  });

  it("forgets everything on a write, and a read the write overtook is not kept", async () => {
    const cache = new IdentityCache();
    let identities = [{ platform: "slack" as const, externalId: "U1" }];
    let loads = 0;
    const load = async () => {
      loads++;
      return identities;
    };
    await cache.identities(alice.id, load);
    cache.written();
    let finish = () => {};
    const slow = cache.identities(alice.id, async () => {
      const before = identities;
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
      return before;
    });
    identities = [];
    cache.written();
    finish();
    expect(await slow).toHaveLength(1);
    expect(await cache.identities(alice.id, load)).toEqual([]);
    expect(loads).toBe(2);
  });

  it("knows a person this replica has just written, without a read", async () => {
    const cache = new IdentityCache();
    let loads = 0;
    const before = cache.generation;
    cache.written();
    cache.rememberPerson("slack", "U3", alice, before);
    expect(
      await cache.person("slack", "U3", async () => {
        loads++;
        return null;
      }),
    ).toBe(alice);
    expect(loads).toBe(0);
    // A later write forgets it like anything else.
    cache.written();
    expect(
      await cache.person("slack", "U3", async () => {
        loads++;
        return alice;
      }),
    ).toBe(alice);
    expect(loads).toBe(1);
  });

  it("does not keep a person it wrote when another write ended meanwhile", async () => {
    const cache = new IdentityCache();
    const before = cache.generation;
    cache.written(); // the directory's change, while this replica's own write ran
    cache.written(); // that write's own end
    cache.rememberPerson("slack", "U4", alice, before);
    let loads = 0;
    await cache.person("slack", "U4", async () => {
      loads++;
      return alice;
    });
    expect(loads).toBe(1);
  });

  it("asks again once its time is up", async () => {
    const cache = new IdentityCache(20);
    let loads = 0;
    const load = async () => {
      loads++;
      return alice;
    };
    await cache.person("slack", "U1", load);
    await until(async () => {
      await cache.person("slack", "U1", load);
      return loads === 2;
    }, "a second load once the entry expired");
  });
});
