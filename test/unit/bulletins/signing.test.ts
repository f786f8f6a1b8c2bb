import * as openpgp from "openpgp";
import { beforeAll, describe, expect, it } from "vitest";
import { buildDigest } from "../../../src/bulletins/digest.ts";
import {
  clearSign,
  formatFingerprint,
  type GeneratedKeyPair,
  generateSigningKey,
  loadSigningKey,
  type SigningKey,
  verifyClearSigned,
} from "../../../src/bulletins/signing.ts";
import { sampleCsafAdvisories, sampleKevAdvisories } from "./fixtures.ts";
import { verifyWithGpg, verifyWithGpgv } from "./gpg.ts";

const PASSPHRASE = "correct horse battery staple";
const KEY_CREATED = new Date("2025-01-01T00:00:00Z");
const SIGNED_AT = new Date("2025-08-26T06:00:00Z");

let pair: GeneratedKeyPair;
let key: SigningKey;
let digestText: string;

beforeAll(async () => {
  pair = await generateSigningKey({
    name: "CERT-Example bulletins",
    email: "cert@example.org",
    passphrase: PASSPHRASE,
    date: KEY_CREATED,
  });
  key = await loadSigningKey(pair.privateKeyArmored, PASSPHRASE);
  const digest = buildDigest([...Object.values(sampleCsafAdvisories()), ...sampleKevAdvisories()], {
    period: { from: new Date("2025-08-01T00:00:00Z"), to: new Date("2025-08-26T00:00:00Z") },
    sourceCount: 2,
    language: "de",
  });
  if (!digest) throw new Error("expected a digest");
  digestText = digest.text;
});

/** Changes one character of the signed text, leaving the armor intact. */
function tamper(signed: string): string {
  const target = "Kritisch";
  expect(signed).toContain(target);
  return signed.replace(target, "Kritiscx");
}

describe("the signing key", () => {
  it("is a passphrase-protected v4 EdDSA key on the legacy curve that gpg 2.2 accepts", async () => {
    const privateKey = await openpgp.readPrivateKey({ armoredKey: pair.privateKeyArmored });
    expect(privateKey.isDecrypted()).toBe(false);
    expect(privateKey.keyPacket.version).toBe(4);
    expect(privateKey.getAlgorithmInfo()).toMatchObject({ algorithm: "eddsaLegacy", curve: "ed25519Legacy" });
    expect(privateKey.getCreationTime()).toEqual(KEY_CREATED);
    expect(privateKey.getUserIDs()).toEqual(["CERT-Example bulletins <cert@example.org>"]);
    expect(pair.publicKeyArmored).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
  });

  it("has a 40-digit fingerprint written in groups of four", () => {
    expect(pair.fingerprint).toMatch(/^([0-9A-F]{4} ){9}[0-9A-F]{4}$/);
    expect(key.fingerprint).toBe(pair.fingerprint);
    expect(formatFingerprint("8f5f267907b2c4559db360db2294ba7d2b2298b1")).toBe(
      "8F5F 2679 07B2 C455 9DB3 60DB 2294 BA7D 2B22 98B1",
    );
  });

  it("does not unlock with a wrong or missing passphrase", async () => {
    await expect(loadSigningKey(pair.privateKeyArmored, "wrong")).rejects.toThrow(
      "could not unlock the signing key: wrong passphrase",
    );
    await expect(loadSigningKey(pair.privateKeyArmored, undefined)).rejects.toThrow(
      /protected by a passphrase/,
    );
    await expect(loadSigningKey(pair.publicKeyArmored, PASSPHRASE)).rejects.toThrow(
      /not an armored OpenPGP private key/,
    );
  });

  it("refuses to create a key without a passphrase", async () => {
    await expect(generateSigningKey({ name: "x", passphrase: "" })).rejects.toThrow(/passphrase is required/);
  });
});

describe("a clear-signed digest", () => {
  it("verifies with openpgp, giving back the text, the signer's fingerprint and the signing time", async () => {
    const signed = await clearSign(digestText, key, { date: SIGNED_AT });
    expect(signed).toMatch(/^-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nOhne TLP-Kennzeichnung/);
    // One line-end style throughout, whatever openpgp writes internally.
    expect(signed).not.toContain("\r");
    expect(await verifyClearSigned(signed, pair.publicKeyArmored)).toEqual({
      valid: true,
      signedText: digestText,
      fingerprint: pair.fingerprint,
      signedAt: SIGNED_AT,
    });
  });

  it("verifies with the system's gpgv and gpg, which read back the same text", async () => {
    const signed = await clearSign(digestText, key, { date: SIGNED_AT });
    const gpgv = verifyWithGpgv(signed, pair.publicKeyArmored);
    expect(gpgv.stderr).toContain('Good signature from "CERT-Example bulletins <cert@example.org>"');
    expect(gpgv.ok).toBe(true);
    const gpg = verifyWithGpg(signed, pair.publicKeyArmored);
    expect(gpg.ok).toBe(true);
    expect(gpg.stderr).toContain(
      `Primary key fingerprint: ${pair.fingerprint.replace(/^((?:\S+ ){4}\S+) /, "$1  ")}`,
    );
    expect(gpg.stdout.replace(/\n$/, "")).toBe(digestText);
  });

  it("fails both verifications when one character is changed", async () => {
    const tampered = tamper(await clearSign(digestText, key, { date: SIGNED_AT }));
    const result = await verifyClearSigned(tampered, pair.publicKeyArmored);
    expect(result.valid).toBe(false);
    if (!result.valid)
      expect(result.reason).toMatch(/^the signature does not match the text: it was changed/);
    const gpgv = verifyWithGpgv(tampered, pair.publicKeyArmored);
    expect(gpgv.ok).toBe(false);
    expect(gpgv.stderr).toContain("BAD signature");
    expect(verifyWithGpg(tampered, pair.publicKeyArmored).ok).toBe(false);
  });

  it("dash-escapes lines starting with '-' and gives them back unescaped", async () => {
    const text = [
      "Advisory list",
      "- first item",
      "-----BEGIN PGP SIGNATURE-----",
      "--",
      "-",
      "last line",
    ].join("\n");
    const signed = await clearSign(text, key, { date: SIGNED_AT });
    expect(signed).toContain("\n- - first item\n- -----BEGIN PGP SIGNATURE-----\n- --\n- -\nlast line\n");
    const result = await verifyClearSigned(signed, pair.publicKeyArmored);
    expect(result).toMatchObject({ valid: true, signedText: text });
    const gpg = verifyWithGpg(signed, pair.publicKeyArmored);
    expect(gpg.ok).toBe(true);
    expect(gpg.stdout.replace(/\n$/, "")).toBe(text);
  });

  it("signs CRLF text without trailing whitespace, as OpenPGP canonicalises it anyway", async () => {
    const signed = await clearSign("first line   \r\nsecond line\t\r\n", key, { date: SIGNED_AT });
    expect(await verifyClearSigned(signed, pair.publicKeyArmored)).toMatchObject({
      valid: true,
      signedText: "first line\nsecond line\n",
    });
    expect(verifyWithGpgv(signed, pair.publicKeyArmored).ok).toBe(true);
  });

  it("says so when the text was signed by another key", async () => {
    const other = await generateSigningKey({ name: "Someone else", passphrase: "x", date: KEY_CREATED });
    const signed = await clearSign(digestText, key, { date: SIGNED_AT });
    const result = await verifyClearSigned(signed, other.publicKeyArmored);
    expect(result).toMatchObject({ valid: false, signedText: digestText });
    if (!result.valid) expect(result.reason).toMatch(/^signed by another key \([0-9A-F]{16}\), not by /);
    expect(verifyWithGpgv(signed, other.publicKeyArmored).ok).toBe(false);
  });

  it("explains input that is not a clear-signed message or a key", async () => {
    expect(await verifyClearSigned("just some text", pair.publicKeyArmored)).toMatchObject({
      valid: false,
      reason: expect.stringMatching(/^not a clear-signed OpenPGP message/),
    });
    const signed = await clearSign(digestText, key);
    expect(await verifyClearSigned(signed, "not a key")).toMatchObject({
      valid: false,
      reason: expect.stringMatching(/^the public key cannot be read/),
    });
  });

  it("takes about a millisecond to sign a 4 KB bulletin", async () => {
    const text = `${"x".repeat(79)}\n`.repeat(52);
    const started = performance.now();
    for (let i = 0; i < 10; i++) await clearSign(text, key);
    const perSignature = (performance.now() - started) / 10;
    // Generous bound for slow CI machines; measured about 1 ms here.
    expect(perSignature).toBeLessThan(100);
  });
});
