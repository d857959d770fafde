import * as z from "zod/mini";
import { en } from "zod/locales";

// zod/mini carries no message texts: a mismatched payload's message names what was expected and what came.
z.config(en());

/**
 * Soda Cloud's response payloads. Lenient on fields we do not use (Soda may add fields at any time), strict on
 * the ones we do: a payload that does not match is an InvalidResponseError at the edge, not a crash later.
 */

export const testLoginResponse = z.looseObject({
  organisationName: z.string(),
});

export const createRunnerKeyResponse = z.looseObject({
  apiKeyId: z.string().check(z.minLength(1)),
  apiKeySecret: z.string().check(z.minLength(1)),
});

export const runner = z.looseObject({
  id: z.string().check(z.minLength(1)),
  name: z.string(),
  label: z.nullish(z.string()),
  isOnline: z.nullish(z.boolean()),
  lastSeenTimestamp: z.nullish(z.string()),
  type: z.nullish(z.string()),
  versions: z.nullish(z.looseObject({})),
});

export const getRunnerResponse = z.looseObject({ runner });

/** A Spring Data page, as `GET /api/v1/runners` returns it (all fields documented as required). */
export const runnerPage = z.looseObject({
  content: z.array(runner),
  first: z.boolean(),
  last: z.boolean(),
  number: z.number().check(z.int(), z.nonnegative()),
  size: z.number().check(z.int(), z.positive()),
  totalElements: z.number().check(z.int(), z.nonnegative()),
  totalPages: z.number().check(z.int(), z.nonnegative()),
});

/** Soda's error body. Codes are not catalogued, so both fields are optional and informative only. */
export const errorBody = z.looseObject({
  code: z.optional(z.string()),
  message: z.optional(z.string()),
});

export type TestLoginResponse = z.infer<typeof testLoginResponse>;
export type CreateRunnerKeyResponse = z.infer<typeof createRunnerKeyResponse>;
export type Runner = z.infer<typeof runner>;
export type RunnerPage = z.infer<typeof runnerPage>;
