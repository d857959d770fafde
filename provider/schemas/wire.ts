import { array, boolean, looseObject, number, string, type Infer } from "./shape";

/**
 * Soda Cloud's response payloads. Lenient on fields we do not use (Soda may add fields at any time), strict on
 * the ones we do: a payload that does not match is an InvalidResponseError at the edge, not a crash later.
 */

export const testLoginResponse = looseObject({
  organisationName: string(),
});

export const createRunnerKeyResponse = looseObject({
  apiKeyId: string().min(1),
  apiKeySecret: string().min(1),
});

export const runner = looseObject({
  id: string().min(1),
  name: string(),
  label: string().nullish(),
  isOnline: boolean().nullish(),
  lastSeenTimestamp: string().nullish(),
  type: string().nullish(),
  versions: looseObject({}).nullish(),
});

export const getRunnerResponse = looseObject({ runner });

/** A Spring Data page, as `GET /api/v1/runners` returns it (all fields documented as required). */
export const runnerPage = looseObject({
  content: array(runner),
  first: boolean(),
  last: boolean(),
  number: number().int().nonnegative(),
  size: number().int().positive(),
  totalElements: number().int().nonnegative(),
  totalPages: number().int().nonnegative(),
});

/** Soda's error body. Codes are not catalogued, so both fields are optional and informative only. */
export const errorBody = looseObject({
  code: string().optional(),
  message: string().optional(),
});

export type TestLoginResponse = Infer<typeof testLoginResponse>;
export type CreateRunnerKeyResponse = Infer<typeof createRunnerKeyResponse>;
export type Runner = Infer<typeof runner>;
export type RunnerPage = Infer<typeof runnerPage>;
