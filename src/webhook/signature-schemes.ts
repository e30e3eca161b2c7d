import { createHmac } from "node:crypto";
import { headerNameProblem } from "./header-names.ts";

/** "standard" = Standard Webhooks (signer.ts); the hmac-* schemes are the one-line checks many receivers hand-roll. */
export type SignatureScheme = "standard" | "hmac-sha256-hex" | "hmac-sha256-base64" | "none";

export interface HmacSignatureOptions {
  /** Header name; sent lower-cased, which is how Node receivers read it (`req.headers["x-signature"]`). */
  header: string;
  /** Text before the signature, e.g. GitHub's `sha256=`. */
  prefix: string;
}

export const DEFAULT_HMAC_SIGNATURE_OPTIONS: HmacSignatureOptions = { header: "x-signature", prefix: "" };

export const MIN_USER_SECRET_LENGTH = 8;
export const MAX_USER_SECRET_LENGTH = 256;

/**
 * HMAC-SHA256 of `signedText`, keyed with the secret's UTF-8 bytes exactly as typed: no whsec_/base64 decoding,
 * because the receiver calls `createHmac("sha256", secret)` with the same string.
 */
export function signRawHmac(secret: string, signedText: string, encoding: "hex" | "base64"): string {
  return createHmac("sha256", Buffer.from(secret, "utf8")).update(signedText, "utf8").digest(encoding);
}

/** `{ [header]: prefix + signature }`; missing options fall back to `x-signature` with no prefix. */
export function hmacSignatureHeader(
  scheme: "hmac-sha256-hex" | "hmac-sha256-base64",
  secret: string,
  signedText: string,
  options: Partial<HmacSignatureOptions> = {},
): Record<string, string> {
  const header = (options.header ?? DEFAULT_HMAC_SIGNATURE_OPTIONS.header).toLowerCase();
  const prefix = options.prefix ?? DEFAULT_HMAC_SIGNATURE_OPTIONS.prefix;
  const signature = signRawHmac(secret, signedText, scheme === "hmac-sha256-hex" ? "hex" : "base64");
  return { [header]: prefix + signature };
}

/**
 * null if a user-typed raw-HMAC secret is acceptable, else why not. Printable ASCII only, so the bytes the user
 * pastes into their receiver's config are unambiguous (no invisible or encoding-dependent characters).
 */
export function validateUserSecret(secret: unknown): string | null {
  if (typeof secret !== "string") return "must be a string";
  if (secret.length < MIN_USER_SECRET_LENGTH || secret.length > MAX_USER_SECRET_LENGTH) {
    return `must be ${MIN_USER_SECRET_LENGTH}-${MAX_USER_SECRET_LENGTH} characters`;
  }
  if (!/^[\x20-\x7e]*$/.test(secret))
    return "must contain only printable ASCII characters (no tabs, newlines or accents)";
  return null;
}

/** Issues in a raw-HMAC scheme's `{ header?, prefix? }`, located like the other delivery-option validators. */
export function validateHmacOptions(options: {
  header?: unknown;
  prefix?: unknown;
}): Array<{ path: string[]; message: string }> {
  const issues: Array<{ path: string[]; message: string }> = [];
  const { header, prefix } = options;
  if (header !== undefined) {
    const problem =
      typeof header !== "string"
        ? "must be a valid HTTP header name"
        : header.toLowerCase() === "content-type"
          ? `"${header}" is set by the sender and cannot carry the signature`
          : headerNameProblem(header);
    if (problem) issues.push({ path: ["header"], message: problem });
  }
  // Receivers trim leading whitespace from header values, so a prefix may not start with a space.
  if (
    prefix !== undefined &&
    (typeof prefix !== "string" || prefix.length > 64 || !/^(?! )[\x20-\x7e]*$/.test(prefix))
  ) {
    issues.push({
      path: ["prefix"],
      message: "must be at most 64 printable ASCII characters, not starting with a space",
    });
  }
  return issues;
}
