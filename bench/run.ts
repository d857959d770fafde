/**
 * `npm run bench`: runs every benchmark (or those named by --only), prints the table, and writes the same as
 * JSON to bench/results.json. Progress goes to stderr, the table to stdout. Exit code 1 only when a benchmark
 * could not run; a missed target is a result, shown in the table.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { coldStartRows, runColdStart } from "./cold-start";
import { repoRoot } from "./harness";
import { parseArgs, type BenchmarkName, type BenchOptions, type ParsedArgs } from "./options";
import { overheadRows, runOverhead } from "./overhead";
import { providerTexts, type ProviderTexts } from "./providers";
import { rateLimitRows, runRateLimit } from "./rate-limit";
import { realEngineRows, runRealEngine } from "./real-engine";
import { realMemoryRows, runRealMemory } from "./real-memory";
import { requestsRows, runRequests } from "./requests";
import { measureSize, sizeRows } from "./size";
import { round } from "./stats";
import { formatTable, type Row } from "./table";

export interface BenchReport {
  startedAt: string;
  durationMs: number;
  environment: { node: string; platform: string; cpus: number };
  quick: boolean;
  options: BenchOptions;
  rows: Row[];
  /** Each benchmark's full result (every sample summary), or its error. */
  results: Partial<Record<BenchmarkName, unknown>>;
  errors: Partial<Record<BenchmarkName, string>>;
}

type Runner = (options: BenchOptions, texts: ProviderTexts) => Promise<{ result: unknown; rows: Row[] }>;

const RUNNERS: Record<BenchmarkName, Runner> = {
  size: async (_o, texts) => {
    const result = measureSize(texts);
    return { result, rows: sizeRows(result) };
  },
  overhead: async (o, texts) => {
    const result = await runOverhead(o.overhead, texts);
    return { result, rows: overheadRows(result) };
  },
  requests: async (o, texts) => {
    const result = await runRequests(o.requests, texts);
    return { result, rows: requestsRows(result) };
  },
  rateLimit: async (o) => {
    const result = await runRateLimit(o.rateLimit);
    return { result, rows: rateLimitRows(result) };
  },
  coldStart: async (o, texts) => {
    const result = await runColdStart(o.coldStart, texts);
    return { result, rows: coldStartRows(result) };
  },
  realEngine: async (o) => {
    const result = await runRealEngine(o.realEngine);
    return { result, rows: realEngineRows(result) };
  },
  memory: async (o) => {
    const result = await runRealMemory(o.memory);
    return { result, rows: realMemoryRows(result) };
  },
};

/** The JSON may be committed or shared: it names no directory of this machine. */
function withoutMachinePaths(text: string): string {
  return text.split(repoRoot).join("<repo>").split(os.tmpdir()).join("<tmp>");
}

/** Runs the selected benchmarks one after another (never in parallel: they would measure each other). */
export async function runBench(args: ParsedArgs, progress: (line: string) => void = () => undefined): Promise<BenchReport> {
  const started = performance.now();
  const report: BenchReport = {
    startedAt: new Date().toISOString(),
    durationMs: 0,
    environment: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: os.cpus().length },
    quick: args.quick,
    options: args.options,
    rows: [],
    results: {},
    errors: {},
  };
  const texts = await providerTexts();
  for (const name of args.only) {
    const t0 = performance.now();
    progress(`${name}...`);
    try {
      const { result, rows } = await RUNNERS[name](args.options, texts);
      report.results[name] = result;
      report.rows.push(...rows);
      progress(`${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (error) {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      progress(`${name} FAILED: ${text}`);
      report.errors[name] = withoutMachinePaths(error instanceof Error ? error.message : text);
    }
  }
  report.durationMs = round(performance.now() - started, 0);
  return report;
}

async function main(): Promise<void> {
  let args: ParsedArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const report = await runBench(args, (line) => process.stderr.write(`bench: ${line}\n`));
  const out = args.out ?? path.join(repoRoot, "bench", "results.json");
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${formatTable(report.rows)}\n\n`);
  const missed = report.rows.filter((r) => r.met === false).length;
  process.stdout.write(
    `${report.rows.length} figures, ${missed} target(s) missed, ${Object.keys(report.errors).length} benchmark(s) failed; ` +
      `${(report.durationMs / 1000).toFixed(1)} s on ${report.environment.cpus} CPUs, Node ${report.environment.node}${args.quick ? " (--quick)" : ""}; JSON in ${path.relative(process.cwd(), out) || out}\n`,
  );
  if (Object.keys(report.errors).length > 0) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
