import type { Credentials, DeliveryOptions } from "../store/types.ts";
import { validateFilter } from "../webhook/content-filter.ts";
import { headerNameProblem } from "../webhook/header-names.ts";
import { validateMapping } from "../webhook/payload-mapping.ts";
import { validateHmacOptions, validateUserSecret } from "../webhook/signature-schemes.ts";
import { type FieldIssue, ValidationError } from "./errors.ts";

/** What the API accepts under an endpoint's `delivery` object (credentials are split off and sealed). */
export interface DeliveryInput extends DeliveryOptions {
  credentials?: Credentials | null;
}

const SVIX_SECRET = /^(whsec_)?[a-zA-Z0-9+/=]{32,100}$/;
const LOC = ["body", "delivery"];

function issues(found: Array<{ path: string[]; message: string }>, at: string[]): FieldIssue[] {
  return found.map((issue) => ({
    loc: [...LOC, ...at, ...issue.path],
    msg: issue.message,
    type: "value_error",
  }));
}

/** Checks the parts zod cannot: mapping paths, filter operators, header names. Throws ValidationError. */
export function validateDeliveryOptions(options: DeliveryInput): void {
  const found: FieldIssue[] = [];
  if (options.mapping) found.push(...issues(validateMapping(options.mapping), ["mapping"]));
  if (options.filter) found.push(...issues(validateFilter(options.filter), ["filter"]));
  if (options.signature) found.push(...issues(validateHmacOptions(options.signature), ["signature"]));
  if (options.credentials?.type === "header") {
    const problem = headerNameProblem(options.credentials.name);
    if (problem) found.push({ loc: [...LOC, "credentials", "name"], msg: problem, type: "value_error" });
  }
  if (options.method === "GET" && options.bodyEncoding === "form") {
    found.push({
      loc: [...LOC, "bodyEncoding"],
      msg: "GET sends no body; the payload goes in the query string",
      type: "value_error",
    });
  }
  if (found.length > 0) throw new ValidationError(found);
}

/** Standard Webhooks secrets follow Svix's format; raw-HMAC schemes take what the user typed (8–256 printable). */
export function validateEndpointSecret(secret: string, scheme: DeliveryOptions["signature"]): void {
  const name = scheme?.scheme ?? "standard";
  if (name === "standard" || name === "none") {
    if (!SVIX_SECRET.test(secret)) {
      throw ValidationError.field(["body", "secret"], "must be whsec_ followed by 32-100 base64 characters");
    }
    return;
  }
  const problem = validateUserSecret(secret);
  if (problem) throw ValidationError.field(["body", "secret"], problem);
}
