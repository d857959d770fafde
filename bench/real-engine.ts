/**
 * The provider as users meet it: `pulumi up`, `refresh` and `destroy` of N agent keys through the real `pulumi`
 * CLI against the emulator, timed from the command's start to its exit, against the same commands on a stack of N
 * trivial dynamic resources (the engine's own cost, same CLI, language host and provider host) and against the
 * theoretical minimum of Soda's rate limits (bench/real-engine-minimum.ts). Requests and 429s are counted at the
 * emulator per command.
 */
import { inPool, type BenchEmulator } from "./harness";
import type { BenchOptions } from "./options";
import { parallelDefault, withBenchStacks, type BenchStack } from "./real-engine-stack";
import { COMMANDS, minimumRequests, theoreticalMinimumMs, type Command } from "./real-engine-minimum";
import { refreshTarget } from "./requests";
import { median, ratio, round, summarize, type Summary } from "./stats";
import type { Row } from "./table";
import type { RequestRecord } from "../emulator/index";

export interface CommandResult {
  command: Command;
  keys: number;
  /** Wall time of ours and of the trivial stack, milliseconds. */
  ours: Summary;
  trivial: Summary;
  /** The theoretical minimum, and the rate-limit and parallelism bounds it is the larger of. */
  minimum: { ms: number; rateBoundMs: number; parallelBoundMs: number };
  /** Soda API requests of ours per run (the emulator's record). */
  requests: number[];
  /** The least the API allows for the command. */
  minimumRequests: number;
  /** 429 answers over the runs. */
  rateLimited: number;
  /** `METHOD path` -> count over the last run (runner ids replaced by {id}). */
  breakdown: Record<string, number>;
}

export interface RealEngineResult {
  options: BenchOptions["realEngine"];
  /** The engine's `--parallel` default, as the CLI states it. */
  parallel: number;
  results: CommandResult[];
}

const keysText = (n: number) => `${n} key${n === 1 ? "" : "s"}`;

function routeOf(r: RequestRecord): string {
  return `${r.method} ${r.path.replace(/^(\/api\/v1\/runners\/)[^/]+/, "$1{id}")}`;
}

/** Registers a simulated agent for every key of ours, as the Soda Agent does when it starts (untimed). */
async function registerAgents(emulator: BenchEmulator, stack: BenchStack): Promise<void> {
  const keys = await stack.agentKeys();
  await inPool(keys, 16, (key) => emulator.register(key, key.name));
}

/** One warm-up round of each stack (the OS file cache, the CLI's first start), unmeasured. */
async function warmUp(stacks: BenchStack[]): Promise<void> {
  for (const stack of stacks) {
    await stack.setKeys(1);
    await stack.timed("up");
    await stack.timed("destroy");
  }
}

export async function runRealEngine(options: BenchOptions["realEngine"]): Promise<RealEngineResult> {
  return withBenchStacks(options, async (e, ours, trivial) => {
    const parallel = await parallelDefault(ours.cli);
    for (let i = 0; i < options.warmup; i++) await warmUp([ours, trivial]);
    const results: CommandResult[] = [];
    for (const keys of options.keys) {
      await ours.setKeys(keys);
      await trivial.setKeys(keys);
      const times = new Map<Command, { ours: number[]; trivial: number[]; requests: number[]; rateLimited: number; breakdown: Record<string, number> }>(
        COMMANDS.map((c) => [c, { ours: [], trivial: [], requests: [], rateLimited: 0, breakdown: {} }]),
      );
      for (let run = 0; run < options.runs; run++) {
        // A fresh organisation per run; each command of ours then starts with its windows drained, since the
        // trivial stack's command (seconds) runs between two of ours and a scaled window is shorter.
        await e.reset();
        for (const command of COMMANDS) {
          const t = times.get(command)!;
          // Alternate who goes first, so that drift over the run hits both.
          const sides = run % 2 === 0 ? (["ours", "trivial"] as const) : (["trivial", "ours"] as const);
          for (const side of sides) {
            if (side === "trivial") {
              t.trivial.push(await trivial.timed(command));
              continue;
            }
            const { result: ms, requests } = await e.during(() => ours.timed(command));
            t.ours.push(ms);
            t.requests.push(requests.length);
            t.rateLimited += requests.filter((r) => r.status === 429).length;
            t.breakdown = {};
            for (const r of requests) t.breakdown[routeOf(r)] = (t.breakdown[routeOf(r)] ?? 0) + 1;
            if (command === "up") await registerAgents(e, ours);
          }
        }
      }
      for (const command of COMMANDS) {
        const t = times.get(command)!;
        const least = Object.values(minimumRequests(command, keys).requests).reduce((a, b) => a + b, 0);
        results.push({
          command,
          keys,
          ours: summarize(t.ours),
          trivial: summarize(t.trivial),
          minimum: theoreticalMinimumMs(command, keys, { rateWindowMs: options.rateWindowMs, latencyMs: options.latencyMs, parallel }),
          requests: t.requests,
          minimumRequests: least,
          rateLimited: t.rateLimited,
          breakdown: t.breakdown,
        });
      }
    }
    return { options, parallel, results };
  });
}

/** Requests per key for up and destroy (the minimum is per key); the whole command for refresh (one list walk). */
function perUnit(r: CommandResult): { value: number; minimum: number; target: number; unit: string } {
  const requests = median(r.requests);
  if (r.command === "refresh") return { value: requests, minimum: r.minimumRequests, target: refreshTarget(r.keys), unit: "requests" };
  return { value: round(requests / r.keys, 2), minimum: r.minimumRequests / r.keys, target: r.minimumRequests / r.keys, unit: "requests/key" };
}

export function realEngineRows(result: RealEngineResult): Row[] {
  const { options, parallel } = result;
  const rows: Row[] = [];
  const setting = `${options.latencyMs} ms latency, windows scaled to ${options.rateWindowMs} ms (Soda's 10 creates or deletes per window), --parallel ${parallel} (the CLI's default), ${options.runs} run(s)`;
  for (const r of result.results) {
    const s = (v: Summary) => (v.n > 1 ? `${round(v.median, 0)} ms (p10 ${round(v.p10, 0)}, p90 ${round(v.p90, 0)})` : `${round(v.median, 0)} ms`);
    rows.push({
      benchmark: "realEngine",
      figure: `pulumi ${r.command}, ${keysText(r.keys)}`,
      ours: round(r.ours.median, 0),
      referenceName: "trivial resources",
      reference: round(r.trivial.median, 0),
      unit: "ms",
      ratio: ratio(r.ours.median, r.trivial.median),
      target: "report only",
      met: null,
      note: `pulumi ${r.command}, ${keysText(r.keys)}: ours ${s(r.ours)}, trivial ${s(r.trivial)}; ours - trivial = ${round(r.ours.median - r.trivial.median, 0)} ms against a theoretical minimum of ${r.minimum.ms} ms; ${setting}`,
    });
    rows.push({
      benchmark: "realEngine",
      figure: `pulumi ${r.command}, ${keysText(r.keys)}, vs minimum`,
      ours: round(r.ours.median, 0),
      referenceName: "theoretical minimum",
      reference: r.minimum.ms,
      unit: "ms",
      ratio: ratio(r.ours.median, r.minimum.ms),
      target: "report only",
      met: null,
    });
  }
  for (const command of COMMANDS) {
    const sizes = result.results.filter((r) => r.command === command);
    if (sizes.length === 0) continue;
    const largest = sizes[sizes.length - 1];
    const u = perUnit(largest);
    rows.push({
      benchmark: "realEngine",
      figure: `requests: pulumi ${command}, ${keysText(largest.keys)}${command === "refresh" ? "" : ", per key"}`,
      ours: u.value,
      referenceName: "API minimum",
      reference: u.minimum,
      unit: "",
      ratio: ratio(u.value, u.minimum),
      target: command === "refresh" ? `<= ceil(keys/1000)+1` : `= ${u.target}`,
      met: sizes.every((r) => {
        const x = perUnit(r);
        return command === "refresh" ? x.value <= x.target : x.value === x.target;
      }),
      note:
        `requests of pulumi ${command} through the real engine, counted at the emulator: ` +
        sizes
          .map(
            (r) =>
              `${keysText(r.keys)} ${r.requests.join("/")} (${
                Object.entries(r.breakdown)
                  .map(([k, v]) => `${v} ${k}`)
                  .join(", ") || "none"
              })`,
          )
          .join("; "),
    });
  }
  const rateLimited = result.results.reduce((a, r) => a + r.rateLimited, 0);
  rows.push({
    benchmark: "realEngine",
    figure: "429s seen through the real engine",
    ours: rateLimited,
    referenceName: "none",
    reference: 0,
    unit: "",
    ratio: null,
    target: "0",
    met: rateLimited === 0,
  });
  return rows;
}
