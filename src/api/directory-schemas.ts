import { z } from "zod";

const name = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-zA-Z0-9\-_.]+$/, "may only contain letters, digits, '-', '_' and '.'");
const label = z.string().min(1).max(128);
const tag = z.string().min(1).max(128);

export const issuerIn = z.strictObject({ id: name, description: z.string().max(1000).optional() });

const choice = z.strictObject({ value: z.string().min(1).max(256), label: z.string().min(1).max(256) });
export const attributeIn = z.strictObject({
  id: name.optional(),
  label,
  valueType: z.enum(["String", "DateTime", "SingleChoice", "Number", "Boolean"]),
  choices: z.array(choice).max(500).nullish(),
});
export const attributePatch = z.strictObject({
  label: label.optional(),
  choices: z.array(choice).max(500).nullish(),
});

const identifier = z.strictObject({ id: z.string().min(1).max(256), issuer: name });
const consent = z.strictObject({
  given: z.boolean(),
  at: z.iso
    .datetime({ offset: true })
    .transform((value) => Date.parse(value))
    .nullish(),
  source: z.string().max(256).nullish(),
});
export const participantIn = z.strictObject({
  externalIdentifiers: z.array(identifier).max(20).optional(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  tags: z.array(tag).max(200).optional(),
  consent: consent.optional(),
});
export const tagsIn = z.strictObject({ tags: z.array(tag).min(1).max(200) });

export const participantListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(250).default(50),
  iterator: z.string().max(300).optional(),
  order: z.enum(["ascending", "descending"]).optional(),
  tag: tag.optional(),
  issuer: name.optional(),
  external_id: z.string().max(256).optional(),
  /** `attribute=Label:value` */
  attribute: z
    .string()
    .regex(/^[^:]+:.*$/, "use attribute=<id or label>:<value>")
    .optional(),
});

export const lookupQuery = z.strictObject({ issuer: name, id: z.string().min(1).max(256) });

export const importQuery = z.strictObject({
  idColumn: z.string().min(1).max(256),
  issuer: name,
  mode: z.enum(["upsert", "create-only"]).optional(),
  consentColumn: z.string().min(1).max(256).optional(),
  tagsColumn: z.string().min(1).max(256).optional(),
  tagSeparator: z.string().min(1).max(5).optional(),
  delimiter: z.enum([",", ";", "\t"]).optional(),
  /** JSON object: CSV column -> attribute id or label. */
  columns: z
    .string()
    .max(20_000)
    .transform((text, ctx) => {
      try {
        const parsed = JSON.parse(text) as unknown;
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
          if (Object.values(parsed).every((value) => typeof value === "string"))
            return parsed as Record<string, string>;
        }
      } catch {
        // reported below
      }
      ctx.addIssue({ code: "custom", message: 'must be a JSON object such as {"First name":"FirstName"}' });
      return z.NEVER;
    })
    .optional(),
});

export const distributionIn = z.strictObject({
  distributionType: z.enum(["Invitation", "Reminder"]),
  message: z.string().min(1).max(10_000),
  chatUrl: z.url({ protocol: /^https?$/ }),
  domainBrandName: z.string().min(1).max(256),
  audience: z
    .strictObject({
      tags: z.array(tag).max(50).optional(),
      attributes: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  reminderOf: z.string().max(64).optional(),
});
