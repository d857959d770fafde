import { z } from "zod";

/**
 * Soda Cloud's response payloads. Lenient on fields we do not use (Soda may add fields at any time), strict on
 * the ones we do: a payload that does not match is an InvalidResponseError at the edge, not a crash later.
 */

export const testLoginResponse = z.looseObject({
  organisationName: z.string(),
});

export const createRunnerKeyResponse = z.looseObject({
  apiKeyId: z.string().min(1),
  apiKeySecret: z.string().min(1),
});

export const runner = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  label: z.string().nullish(),
  isOnline: z.boolean().nullish(),
  lastSeenTimestamp: z.string().nullish(),
  type: z.string().nullish(),
  versions: z.looseObject({}).nullish(),
});

export const getRunnerResponse = z.looseObject({ runner });

/** A Spring Data page, as `GET /api/v1/runners` returns it (all fields documented as required). */
export const runnerPage = z.looseObject({
  content: z.array(runner),
  first: z.boolean(),
  last: z.boolean(),
  number: z.number().int().nonnegative(),
  size: z.number().int().positive(),
  totalElements: z.number().int().nonnegative(),
  totalPages: z.number().int().nonnegative(),
});

/** Soda's error body. Codes are not catalogued, so both fields are optional and informative only. */
export const errorBody = z.looseObject({
  code: z.string().optional(),
  message: z.string().optional(),
});

export type TestLoginResponse = z.infer<typeof testLoginResponse>;
export type CreateRunnerKeyResponse = z.infer<typeof createRunnerKeyResponse>;
export type Runner = z.infer<typeof runner>;
export type RunnerPage = z.infer<typeof runnerPage>;
