/** One line of the results table: a figure, ours against the reference measured in the same run. */
export interface Row {
  /** Which benchmark produced it. */
  benchmark: string;
  figure: string;
  /** Our value, in `unit`; null when it could not be measured here. */
  ours: number | null;
  /** What the reference is (the undici floor, a trivial provider, the minimum, a naive client). */
  referenceName: string;
  reference: number | null;
  unit: string;
  /** ours / reference where that means something. */
  ratio: number | null;
  /** The target in words, e.g. "<= 1.10x". */
  target: string;
  /** Whether the target is met; null for figures reported without a target. */
  met: boolean | null;
  /** Spread and other context, shown under the table. */
  note?: string;
}

function formatValue(value: number | null, unit: string): string {
  if (value === null) return "n/a";
  const digits = Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)}${unit === "" || unit === "x" ? unit : ` ${unit}`}`;
}

/** The table as text, one row per figure, with notes numbered below it. */
export function formatTable(rows: readonly Row[]): string {
  const header = ["figure", "ours", "reference", "ratio", "target", "met"];
  const notes: string[] = [];
  const cells = rows.map((r) => {
    let figure = r.figure;
    if (r.note !== undefined) {
      notes.push(r.note);
      figure += ` [${notes.length}]`;
    }
    return [
      figure,
      formatValue(r.ours, r.unit),
      r.reference === null ? r.referenceName : `${formatValue(r.reference, r.unit)} (${r.referenceName})`,
      r.ratio === null ? "-" : `${r.ratio.toFixed(2)}x`,
      r.target,
      r.met === null ? "-" : r.met ? "yes" : "NO",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => v.padEnd(widths[i]))
      .join(" | ")
      .trimEnd();
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...cells.map(line)];
  if (notes.length > 0) out.push("", ...notes.map((n, i) => `[${i + 1}] ${n}`));
  return out.join("\n");
}
