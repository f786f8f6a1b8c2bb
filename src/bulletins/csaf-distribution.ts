// How CSAF providers publish advisories (CSAF 2.0 §7): a provider-metadata.json naming ROLIE
// feeds and/or directories, ROLIE feeds (RFC 8322, Atom in JSON) listing the documents, and
// directories with an index.txt. Schemas and link extraction only; fetching is in sources.ts.
import { z } from "zod";
import { lazySchema } from "../lazy-schema.ts";

const rolieLinkSchema = lazySchema(() => z.looseObject({ rel: z.string(), href: z.string() }));

export const providerMetadataSchema = lazySchema(() =>
  z.looseObject({
    canonical_url: z.string(),
    distributions: z
      .array(
        z.looseObject({
          directory_url: z.string().optional(),
          rolie: z
            .looseObject({
              feeds: z.array(z.looseObject({ tlp_label: z.string(), url: z.string() })),
            })
            .optional(),
        }),
      )
      .optional(),
  }),
);
export type ProviderMetadata = z.infer<ReturnType<typeof providerMetadataSchema>>;

export const rolieFeedSchema = lazySchema(() =>
  z.looseObject({
    feed: z.looseObject({
      id: z.string(),
      title: z.string().optional(),
      entry: z
        .array(
          z.looseObject({
            id: z.string().optional(),
            published: z.string().optional(),
            updated: z.string().optional(),
            link: z.array(rolieLinkSchema()).optional(),
            content: z.looseObject({ src: z.string(), type: z.string().optional() }).optional(),
          }),
        )
        // A feed with no advisories yet may leave `entry` out.
        .default([]),
    }),
  }),
);
export type RolieFeed = z.infer<ReturnType<typeof rolieFeedSchema>>;

export const rolieServiceSchema = lazySchema(() =>
  z.looseObject({
    service: z.looseObject({
      workspace: z.array(
        z.looseObject({
          collection: z.array(z.looseObject({ href: z.string() })).default([]),
        }),
      ),
    }),
  }),
);
export type RolieService = z.infer<ReturnType<typeof rolieServiceSchema>>;

/**
 * Where a provider's advisories are listed. ROLIE feeds are preferred: a provider offering both
 * models lists the same documents in each, and feeds say more per entry. A distribution that has
 * only a directory still counts.
 */
export function providerListings(metadata: ProviderMetadata): { feeds: string[]; directories: string[] } {
  const feeds: string[] = [];
  const directories: string[] = [];
  for (const distribution of metadata.distributions ?? []) {
    const rolieFeeds = distribution.rolie?.feeds ?? [];
    if (rolieFeeds.length > 0) {
      feeds.push(...rolieFeeds.map((feed) => feed.url));
    } else if (distribution.directory_url) {
      directories.push(distribution.directory_url);
    }
  }
  return { feeds: [...new Set(feeds)], directories: [...new Set(directories)] };
}

/**
 * The documents a feed lists, newest first: each entry's `content.src`, or else its `self` link
 * (the .json, not the .asc or .sha512). Entries last updated before `since` are left out; undated
 * ones are kept, since nothing says they are old.
 */
export function feedDocumentLinks(feed: RolieFeed, since?: Date): string[] {
  const dated = feed.feed.entry.map((entry) => ({
    entry,
    time: Date.parse(entry.updated ?? entry.published ?? ""),
  }));
  const links = dated
    .filter(({ time }) => !since || Number.isNaN(time) || time >= since.getTime())
    .sort((a, b) => (Number.isNaN(b.time) ? 0 : b.time) - (Number.isNaN(a.time) ? 0 : a.time))
    .flatMap(({ entry }) => {
      const href = entry.content?.src ?? entry.link?.find((link) => link.rel === "self")?.href;
      return href ? [href] : [];
    });
  return [...new Set(links)];
}

export function serviceFeedLinks(service: RolieService): string[] {
  return [
    ...new Set(
      service.service.workspace.flatMap((workspace) =>
        workspace.collection.map((collection) => collection.href),
      ),
    ),
  ];
}

/** The paths in a directory's changes.csv (`"2022/x.json","2022-03-17T13:03:42Z"`) changed since. */
export function changedPathsSince(changesCsv: string, since: Date): string[] {
  return changesCsv
    .split(/\r?\n/)
    .map((line) => line.split(",").map((cell) => cell.trim().replace(/^"|"$/g, "")))
    .filter(([file, date]) => {
      if (!file?.toLowerCase().endsWith(".json")) return false;
      const time = Date.parse(date ?? "");
      return Number.isNaN(time) || time >= since.getTime();
    })
    .map(([file]) => file as string);
}

/**
 * The relative paths in a CSAF directory's index.txt (`2022/bsi-2022-0001.json`), one per line.
 * Anything that is not a JSON document path is ignored.
 */
export function directoryIndexPaths(indexText: string): string[] {
  return indexText
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith("#") && line.toLowerCase().endsWith(".json"));
}
