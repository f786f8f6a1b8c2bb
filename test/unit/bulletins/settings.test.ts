// Start-up of bulletins: the environment names the files, and every problem with them stops
// start-up with a message naming the variable.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadBulletinSettings } from "../../../src/bulletins/settings.ts";
import { generateSigningKey } from "../../../src/bulletins/signing.ts";
import { loadConfig } from "../../../src/config.ts";

describe("bulletin settings", () => {
  it("come from BULLETIN_CONFIG, BULLETIN_SIGNING_KEY and BULLETIN_SIGNING_PASSPHRASE", () => {
    const config = loadConfig({
      BULLETIN_CONFIG: "examples/bulletins.yaml",
      BULLETIN_SIGNING_KEY: "data/bulletin-key.asc",
      BULLETIN_SIGNING_PASSPHRASE: "secret",
    });
    expect(config.bulletins).toEqual({
      configFile: "examples/bulletins.yaml",
      signingKeyFile: "data/bulletin-key.asc",
      passphrase: "secret",
    });
    expect(loadConfig({}).bulletins).toEqual({});
  });

  it("read the configuration and unlock the key", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tocsin-bulletins-"));
    const pair = await generateSigningKey({
      name: "T",
      passphrase: "right",
      date: new Date("2025-01-01T00:00:00Z"),
    });
    const keyFile = path.join(dir, "key.asc");
    writeFileSync(keyFile, pair.privateKeyArmored);
    const settings = await loadBulletinSettings({
      configFile: "examples/bulletins.yaml",
      signingKeyFile: keyFile,
      passphrase: "right",
    });
    expect(settings.config?.subscriptions).toHaveLength(3);
    expect(settings.signingKey?.fingerprint).toBe(pair.fingerprint);

    await expect(loadBulletinSettings({ signingKeyFile: keyFile, passphrase: "wrong" })).rejects.toThrow(
      `BULLETIN_SIGNING_KEY: ${keyFile}: could not unlock the signing key: wrong passphrase (the passphrase comes from BULLETIN_SIGNING_PASSPHRASE)`,
    );
    await expect(loadBulletinSettings({ signingKeyFile: path.join(dir, "missing.asc") })).rejects.toThrow(
      `BULLETIN_SIGNING_KEY: cannot read the signing key ${path.join(dir, "missing.asc")}: no such file (npm run keys:generate creates one)`,
    );
    await expect(loadBulletinSettings({ configFile: path.join(dir, "missing.yaml") })).rejects.toThrow(
      "cannot read the bulletin configuration: no such file",
    );
  });

  it("run unsigned and without subscriptions when nothing is set", async () => {
    expect(await loadBulletinSettings({})).toEqual({ config: undefined, signingKey: undefined });
  });
});
