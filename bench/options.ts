/**
 * How much work each benchmark does. Defaults are the full run (`npm run bench`); `--quick` is a short run for a
 * sanity check; each count can also be set alone by a flag (`--overhead-runs=40`) or an environment variable
 * (`BENCH_OVERHEAD_RUNS=40`), flags winning over the environment and both over the preset.
 */
export interface BenchOptions {
  overhead: {
    /** Measured runs per operation, each one of ours and one of the floor, interleaved. */
    runs: number;
    /** Runs before the measured ones, discarded (connection pools, JIT, the provider's first load). */
    warmup: number;
    /** Latency the emulator adds to every /api/v1 request, milliseconds. */
    latencyMs: number;
    /** Length of Soda's 60-second rate-limit windows for emulator and provider, milliseconds. */
    rateWindowMs: number;
  };
  requests: {
    /** The largest refresh counted: refreshes of 10, 100 and 1000 keys below it, and of this many. */
    keys: number;
    rateWindowMs: number;
  };
  rateLimit: {
    /** Concurrent creates against the 10 per window limit; more than 10. */
    creates: number;
    rateWindowMs: number;
    latencyMs: number;
  };
  coldStart: {
    /** Measured host starts per provider (ours, the trivial one and the bare one), interleaved. */
    runs: number;
    /** Unmeasured starts of each first (the OS file cache). */
    warmup: number;
    rateWindowMs: number;
  };
  /** `pulumi up`, `refresh` and `destroy` through the real CLI (bench/real-engine.ts). */
  realEngine: {
    /** The stack sizes, in agent keys (and trivial resources), in the order they run. */
    keys: number[];
    /** Measured rounds of each command per size, ours and the trivial stack alternating. */
    runs: number;
    /** Unmeasured up-and-destroy rounds of one resource on each stack first (the CLI's and the OS's first start). */
    warmup: number;
    latencyMs: number;
    /** Scaled 60-second windows for emulator and stack (`soda:rateWindowMs`); shorter than a command's start. */
    rateWindowMs: number;
  };
  /** Peak memory of the provider host the real engine starts (bench/real-memory.ts). */
  memory: {
    /** Agent keys (and trivial resources) in the stack. */
    keys: number;
    latencyMs: number;
    rateWindowMs: number;
  };
}

/** The benchmarks, in the order they run. */
export const BENCHMARKS = ["size", "overhead", "requests", "rateLimit", "coldStart", "realEngine", "memory"] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];

export const FULL: BenchOptions = {
  overhead: { runs: 40, warmup: 5, latencyMs: 20, rateWindowMs: 60 },
  requests: { keys: 1000, rateWindowMs: 60 },
  rateLimit: { creates: 30, rateWindowMs: 2_000, latencyMs: 20 },
  coldStart: { runs: 10, warmup: 1, rateWindowMs: 60 },
  realEngine: { keys: [1, 10, 100], runs: 1, warmup: 1, latencyMs: 20, rateWindowMs: 1_000 },
  memory: { keys: 1000, latencyMs: 20, rateWindowMs: 200 },
};

export const QUICK: BenchOptions = {
  overhead: { runs: 8, warmup: 2, latencyMs: 20, rateWindowMs: 60 },
  requests: { keys: 100, rateWindowMs: 60 },
  rateLimit: { creates: 20, rateWindowMs: 500, latencyMs: 20 },
  coldStart: { runs: 3, warmup: 1, rateWindowMs: 60 },
  realEngine: { keys: [1], runs: 1, warmup: 0, latencyMs: 20, rateWindowMs: 1_000 },
  memory: { keys: 1, latencyMs: 20, rateWindowMs: 200 },
};

/** Each single setting: its flag (without `--`), its environment variable, and where it lands. */
const SETTINGS: { flag: string; env: string; set(o: BenchOptions, v: number): void }[] = [
  { flag: "overhead-runs", env: "BENCH_OVERHEAD_RUNS", set: (o, v) => (o.overhead.runs = v) },
  { flag: "overhead-warmup", env: "BENCH_OVERHEAD_WARMUP", set: (o, v) => (o.overhead.warmup = v) },
  {
    flag: "latency-ms",
    env: "BENCH_LATENCY_MS",
    set: (o, v) => (o.overhead.latencyMs = o.rateLimit.latencyMs = o.realEngine.latencyMs = o.memory.latencyMs = v),
  },
  { flag: "refresh-keys", env: "BENCH_REFRESH_KEYS", set: (o, v) => (o.requests.keys = v) },
  { flag: "rate-creates", env: "BENCH_RATE_CREATES", set: (o, v) => (o.rateLimit.creates = v) },
  { flag: "rate-window-ms", env: "BENCH_RATE_WINDOW_MS", set: (o, v) => (o.rateLimit.rateWindowMs = v) },
  { flag: "cold-runs", env: "BENCH_COLD_RUNS", set: (o, v) => (o.coldStart.runs = v) },
  { flag: "memory-keys", env: "BENCH_MEMORY_KEYS", set: (o, v) => (o.memory.keys = v) },
  { flag: "real-runs", env: "BENCH_REAL_RUNS", set: (o, v) => (o.realEngine.runs = v) },
  { flag: "real-warmup", env: "BENCH_REAL_WARMUP", set: (o, v) => (o.realEngine.warmup = v) },
  { flag: "real-window-ms", env: "BENCH_REAL_WINDOW_MS", set: (o, v) => (o.realEngine.rateWindowMs = v) },
  { flag: "memory-window-ms", env: "BENCH_MEMORY_WINDOW_MS", set: (o, v) => (o.memory.rateWindowMs = v) },
];

/** Settings that take a list of whole numbers (`--real-keys=1,10,100`). */
const LIST_SETTINGS: { flag: string; env: string; set(o: BenchOptions, v: number[]): void }[] = [
  { flag: "real-keys", env: "BENCH_REAL_KEYS", set: (o, v) => (o.realEngine.keys = v) },
];

export interface ParsedArgs {
  options: BenchOptions;
  /** The benchmarks to run (`--only=overhead,size`); all by default. */
  only: BenchmarkName[];
  quick: boolean;
  /** Where the JSON goes (`--out=path`); bench/results.json by default. */
  out?: string;
}

export const USAGE = `usage: npm run bench -- [--quick] [--only=${BENCHMARKS.join(",")}] [--out=FILE] [--NAME=N ...]
settings (flag / environment variable):
${SETTINGS.map((s) => `  --${s.flag}=N  /  ${s.env}`).join("\n")}
${LIST_SETTINGS.map((s) => `  --${s.flag}=N,N,...  /  ${s.env}`).join("\n")}
  --quick  /  BENCH_QUICK=1`;

/** Parses command-line flags over environment variables over the preset; throws a message naming a bad one. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ParsedArgs {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (match === null) throw new Error(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
    flags.set(match[1], match[2] ?? "true");
  }
  const quick = flags.has("quick") ? flags.get("quick") !== "false" : env.BENCH_QUICK === "1" || env.BENCH_QUICK === "true";
  const options = structuredClone(quick ? QUICK : FULL);
  for (const setting of SETTINGS) {
    const raw = flags.get(setting.flag) ?? env[setting.env];
    if (raw === undefined || raw === "") continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${setting.flag} (${setting.env}) must be a whole number >= 0, not ${JSON.stringify(raw)}`);
    setting.set(options, value);
  }
  for (const setting of LIST_SETTINGS) {
    const raw = flags.get(setting.flag) ?? env[setting.env];
    if (raw === undefined || raw === "") continue;
    const values = raw.split(",").map((v) => Number(v.trim()));
    if (!values.every((v) => Number.isInteger(v) && v >= 1))
      throw new Error(`--${setting.flag} (${setting.env}) must be whole numbers >= 1 separated by commas, not ${JSON.stringify(raw)}`);
    setting.set(options, values);
  }
  for (const name of flags.keys()) {
    if (!["quick", "only", "out", "help"].includes(name) && !SETTINGS.some((s) => s.flag === name) && !LIST_SETTINGS.some((s) => s.flag === name)) {
      throw new Error(`unknown flag --${name}\n${USAGE}`);
    }
  }
  if (flags.has("help")) throw new Error(USAGE);
  let only: BenchmarkName[] = [...BENCHMARKS];
  const onlyRaw = flags.get("only");
  if (onlyRaw !== undefined) {
    const names = onlyRaw
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    const unknown = names.filter((n) => !(BENCHMARKS as readonly string[]).includes(n));
    if (unknown.length > 0) throw new Error(`--only: unknown benchmark ${unknown.join(", ")}; choose from ${BENCHMARKS.join(", ")}`);
    only = BENCHMARKS.filter((b) => names.includes(b));
  }
  validate(options);
  return { options, only, quick, out: flags.get("out") };
}

/** Refuses settings under which a figure means nothing. */
export function validate(options: BenchOptions): void {
  if (options.overhead.runs < 1) throw new Error("--overhead-runs must be at least 1");
  if (options.rateLimit.creates <= 10) throw new Error("--rate-creates must be more than 10 (the limit of one window), or the theoretical minimum is zero");
  if (options.requests.keys < 1 || options.memory.keys < 1 || options.coldStart.runs < 1 || options.realEngine.runs < 1)
    throw new Error("key and run counts must be at least 1");
  for (const w of [
    options.overhead.rateWindowMs,
    options.requests.rateWindowMs,
    options.rateLimit.rateWindowMs,
    options.coldStart.rateWindowMs,
    options.realEngine.rateWindowMs,
    options.memory.rateWindowMs,
  ]) {
    if (w < 1) throw new Error("rate windows must be at least 1 ms");
  }
}
