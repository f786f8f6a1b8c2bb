// The one registry of chat platforms. Adding a platform is a folder with its descriptor (and its
// ChatPlatform), registered here; everything that names platforms asks this module.
import { z } from "zod";
import { consoleDescriptor } from "./console/descriptor.ts";
import { matrixDescriptor } from "./matrix/descriptor.ts";
import type { PlatformDescriptor } from "./platform-descriptor.ts";
import { slackDescriptor } from "./slack/descriptor.ts";

const registry = new Map<string, PlatformDescriptor>(
  [slackDescriptor, matrixDescriptor, consoleDescriptor].map((d) => [d.name, d]),
);

/**
 * Adds a platform that is not built in (a test's fake one). Schemas built from the registry read
 * it when they parse, so a platform registered before its configuration is read is known to it.
 */
export function registerPlatform(descriptor: PlatformDescriptor): void {
  const existing = registry.get(descriptor.name);
  if (existing && existing !== descriptor) throw new Error(`platform ${descriptor.name} is registered twice`);
  registry.set(descriptor.name, descriptor);
}

/** Every registered platform, built-in ones first. */
export function platformDescriptors(): readonly PlatformDescriptor[] {
  return [...registry.values()];
}

export function platformNames(): string[] {
  return [...registry.keys()];
}

export function findPlatform(name: string): PlatformDescriptor | undefined {
  return registry.get(name);
}

/** The descriptor of a registered platform; an unknown name is a programming error. */
export function platformDescriptor(name: string): PlatformDescriptor {
  const descriptor = registry.get(name);
  if (!descriptor) throw new Error(`unknown platform ${name}`);
  return descriptor;
}

/** `slack, matrix or console`: for messages that list the platforms. */
export function listPlatforms(names: readonly string[], last = "or"): string {
  return names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} ${last} ${names.at(-1)}`;
}

/**
 * `{ slack?: …, matrix?: …, console?: … }` over every registered platform, each value checked by
 * that platform's schema (`pick`). Built when parsing, so a registered platform is always in it.
 */
export function perPlatformSchema(
  pick: (descriptor: PlatformDescriptor) => z.ZodType<string, string>,
): z.ZodType<Partial<Record<string, string>>, Partial<Record<string, string>>> {
  return z.lazy(() =>
    z.strictObject(Object.fromEntries(platformDescriptors().map((d) => [d.name, pick(d).optional()]))),
  ) as unknown as z.ZodType<Partial<Record<string, string>>, Partial<Record<string, string>>>;
}
