import { describe, expect, it } from "vitest";
import { isRotationDue, parseRotationPeriod } from "../../provider/resources/rotation";

describe("rotation periods", () => {
  it.each([
    ["90d", 90 * 86_400_000],
    ["12h", 12 * 3_600_000],
    ["30m", 30 * 60_000],
    ["1m", 60_000],
  ])("%s is %i ms", (period, ms) => expect(parseRotationPeriod(period)).toBe(ms));

  it.each(["90", "-1d", "1 fortnight", "0d", "1.5d", "d", "90D", " 90d", "1w"])("%j is refused", (period) => {
    expect(parseRotationPeriod(period)).toBeUndefined();
  });

  it("is due exactly when the period has passed", () => {
    const created = "2026-01-01T00:00:00.000Z";
    const start = Date.parse(created);
    expect(isRotationDue(created, "1d", start + 86_400_000 - 1)).toBe(false);
    expect(isRotationDue(created, "1d", start + 86_400_000)).toBe(true);
    expect(isRotationDue("not a date", "1d", start + 10 * 86_400_000)).toBe(false);
  });
});
