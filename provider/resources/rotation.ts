const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000 } as const;

/** The accepted form of a rotation period: a whole number from 1 to 999999 of days, hours or minutes. */
export const ROTATION_PERIOD_PATTERN = /^([1-9][0-9]{0,5})([dhm])$/;

const ROTATION_PERIOD_HINT = 'use a whole number from 1 to 999999 followed by d, h or m, e.g. "90d", "12h" or "30m"';

/** Why a string is not a rotation period, as a clause after the property name; undefined when it is one. */
export function rotationPeriodProblem(period: string): string | undefined {
  if (parseRotationPeriod(period) !== undefined) return undefined;
  const numeric = /^\s*(\d+)\s*([dhm])\s*$/.exec(period);
  if (numeric !== null && Number(numeric[1]) === 0) return `is zero ("${period}"), which would rotate on every run; the shortest period is "1m"`;
  if (numeric !== null && Number(numeric[1]) > 999_999) return `is longer than the largest period accepted, 999999 of a unit ("999999d")`;
  return `is not a rotation period; ${ROTATION_PERIOD_HINT}`;
}

/** Milliseconds in a rotation period such as "90d", or undefined when it is not of the accepted form. */
export function parseRotationPeriod(period: string): number | undefined {
  const match = ROTATION_PERIOD_PATTERN.exec(period);
  if (match === null) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** Whether a key created at `createdAt` (ISO 8601) is due for rotation at `now` (ms since the epoch). */
export function isRotationDue(createdAt: string, period: string, now: number): boolean {
  const periodMs = parseRotationPeriod(period);
  const created = Date.parse(createdAt);
  if (periodMs === undefined || Number.isNaN(created)) return false;
  return now >= created + periodMs;
}
