// OpenPGP clear-signing of bulletins (RFC 4880 §7), so anyone can check a bulletin with stock
// gpg and the team's published key.
import type * as OpenPgp from "openpgp";

/**
 * openpgp is loaded on first use: it is a fifth of an idle process's memory, and a desk that
 * signs nothing never needs it.
 */
const loadOpenpgp = (): Promise<typeof OpenPgp> => import("openpgp");

export interface GeneratedKeyPair {
  privateKeyArmored: string;
  publicKeyArmored: string;
  revocationCertificate: string;
  /** Formatted in groups of four hex digits. */
  fingerprint: string;
}

/**
 * A v4 key on curve25519Legacy (EdDSA signing, ECDH encryption subkey). Not a v6 key: gpg 2.2
 * (Debian bookworm and many constituents' systems) rejects signatures from RFC 9580 v6 keys.
 */
export async function generateSigningKey(options: {
  name: string;
  email?: string;
  passphrase: string;
  /** Creation time; injected in tests. */
  date?: Date;
}): Promise<GeneratedKeyPair> {
  const openpgp = await loadOpenpgp();
  if (options.passphrase.length === 0) throw new Error("a passphrase is required to protect the signing key");
  const userID = options.email ? { name: options.name, email: options.email } : { name: options.name };
  const generated = await openpgp.generateKey({
    type: "ecc",
    curve: "curve25519Legacy",
    userIDs: [userID],
    passphrase: options.passphrase,
    date: options.date,
    format: "armored",
    config: { v6Keys: false },
  });
  const publicKey = await openpgp.readKey({ armoredKey: generated.publicKey });
  return {
    privateKeyArmored: generated.privateKey,
    publicKeyArmored: generated.publicKey,
    revocationCertificate: generated.revocationCertificate,
    fingerprint: fingerprint(publicKey),
  };
}

export interface SigningKey {
  /** Unlocked; never log or serialise it. */
  privateKey: OpenPgp.PrivateKey;
  publicKeyArmored: string;
  fingerprint: string;
}

export async function loadSigningKey(
  armoredPrivateKey: string,
  passphrase: string | undefined,
): Promise<SigningKey> {
  const openpgp = await loadOpenpgp();
  let privateKey: OpenPgp.PrivateKey;
  try {
    privateKey = await openpgp.readPrivateKey({ armoredKey: armoredPrivateKey });
  } catch (error) {
    throw new Error(`the signing key is not an armored OpenPGP private key: ${(error as Error).message}`);
  }
  if (!privateKey.isDecrypted()) {
    if (!passphrase) throw new Error("the signing key is protected by a passphrase, and none was given");
    try {
      privateKey = await openpgp.decryptKey({ privateKey, passphrase });
    } catch {
      throw new Error("could not unlock the signing key: wrong passphrase");
    }
  }
  return {
    privateKey,
    publicKeyArmored: privateKey.toPublic().armor(),
    fingerprint: fingerprint(privateKey),
  };
}

/**
 * Line ends become LF and trailing whitespace goes: OpenPGP ignores both when signing cleartext,
 * so normalising first makes the text a verifier gets back identical to the text signed.
 */
export function canonicalSignedText(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
}

/**
 * Returns the armored cleartext message (`-----BEGIN PGP SIGNED MESSAGE-----` ...) with LF line
 * ends throughout. openpgp writes the text part with CRLF and the armor with LF; the signature
 * covers the canonical CRLF form either way, and one line-end style survives chat and terminals.
 */
export async function clearSign(
  text: string,
  key: SigningKey,
  options: { date?: Date } = {},
): Promise<string> {
  const openpgp = await loadOpenpgp();
  const message = await openpgp.createCleartextMessage({ text: canonicalSignedText(text) });
  const armored = await openpgp.sign({
    message,
    signingKeys: key.privateKey,
    date: options.date,
    format: "armored",
  });
  return armored.replace(/\r\n/g, "\n");
}

export type ClearSignedVerification =
  | { valid: true; signedText: string; fingerprint: string; signedAt: Date }
  | { valid: false; reason: string; signedText?: string };

/** Checks a clear-signed text against one public key; never throws for a bad input. */
export async function verifyClearSigned(
  armoredText: string,
  publicKeyArmored: string,
  options: { date?: Date } = {},
): Promise<ClearSignedVerification> {
  const openpgp = await loadOpenpgp();
  let publicKey: OpenPgp.PublicKey;
  try {
    publicKey = await openpgp.readKey({ armoredKey: publicKeyArmored });
  } catch (error) {
    return { valid: false, reason: `the public key cannot be read: ${(error as Error).message}` };
  }
  let message: OpenPgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: armoredText.trim() });
  } catch (error) {
    return { valid: false, reason: `not a clear-signed OpenPGP message: ${(error as Error).message}` };
  }
  const signedText = message.getText();
  const keyIds = new Set(publicKey.getKeyIDs().map((id) => id.toHex()));
  if (!message.getSigningKeyIDs().some((id) => keyIds.has(id.toHex()))) {
    const signers = message
      .getSigningKeyIDs()
      .map((id) => id.toHex().toUpperCase())
      .join(", ");
    return {
      valid: false,
      signedText,
      reason: `signed by another key (${signers}), not by ${fingerprint(publicKey)}`,
    };
  }
  try {
    const result = await openpgp.verify({
      message,
      verificationKeys: publicKey,
      date: options.date,
      expectSigned: true,
    });
    const signature = result.signatures.find((candidate) => keyIds.has(candidate.keyID.toHex()));
    if (!signature) return { valid: false, signedText, reason: "no signature by this key" };
    await signature.verified;
    const packet = (await signature.signature).packets[0];
    return {
      valid: true,
      signedText,
      fingerprint: fingerprint(publicKey),
      signedAt: packet?.created ?? new Date(Number.NaN),
    };
  } catch (error) {
    return { valid: false, signedText, reason: explainVerificationError(error as Error) };
  }
}

function explainVerificationError(error: Error): string {
  if (/digest did not match|signature.*(invalid|mismatch)|verification failed/i.test(error.message)) {
    return `the signature does not match the text: it was changed after signing (${error.message})`;
  }
  return error.message;
}

/** `ABCD 1234 ...`: the primary key's fingerprint in groups of four upper-case hex digits. */
export function fingerprint(key: OpenPgp.Key | SigningKey): string {
  const hex = "privateKey" in key ? key.privateKey.getFingerprint() : key.getFingerprint();
  return formatFingerprint(hex);
}

export function formatFingerprint(hex: string): string {
  return (
    hex
      .replace(/[^0-9a-f]/gi, "")
      .toUpperCase()
      .match(/.{1,4}/g)
      ?.join(" ") ?? ""
  );
}
