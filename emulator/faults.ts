import { z } from "zod";
import { HttpError } from "./http";
import { formatIssues } from "./zod-issues";

const FaultRuleSchema = z
  .strictObject({
    /** HTTP method to match (any when absent). */
    method: z
      .string()
      .regex(/^[A-Za-z]+$/, "must be an HTTP method such as GET")
      .transform((m) => m.toUpperCase())
      .optional(),
    /** Path pattern: exact path; `*` matches within one segment; `**` matches anything, slashes included. */
    path: z.string().startsWith("/", "must start with /"),
    /** Respond with this status and an error body instead of applying the request. */
    status: z.int().min(400).max(599).optional(),
    /** Wait this long (real time) before anything else happens. */
    latencyMs: z.int().min(0).max(600_000).optional(),
    /** Destroy the connection without responding and without applying the request. */
    reset: z.boolean().optional(),
    /** Apply the request fully, then destroy the connection instead of responding. */
    dropAfterApply: z.boolean().optional(),
    /** Apply to the next `count` matching requests, then expire. */
    count: z.int().min(1).optional(),
    /** Chance (0..1) that a matching request is affected, drawn from the seeded generator. */
    probability: z.number().min(0).max(1).optional(),
  })
  .superRefine((rule, ctx) => {
    const outcomes = (["status", "reset", "dropAfterApply"] as const).filter((k) => rule[k] !== undefined && rule[k] !== false);
    if (outcomes.length > 1) {
      ctx.addIssue({ code: "custom", path: [outcomes[1]], message: `cannot be combined with ${outcomes[0]}` });
    }
    if (outcomes.length === 0 && rule.latencyMs === undefined) {
      ctx.addIssue({ code: "custom", path: [], message: "needs an effect: status, latencyMs, reset or dropAfterApply" });
    }
  });

const FaultRulesBodySchema = z.strictObject({ rules: z.array(FaultRuleSchema) });

/** A fault rule as the control API accepts it. */
export type FaultRuleInput = z.input<typeof FaultRuleSchema>;

/** An active fault rule; `remaining` counts down from `count` and the rule expires at 0. */
export type FaultRule = z.output<typeof FaultRuleSchema> & { id: string; remaining?: number };

/** Compiles a path pattern; everything but `*` and `**` matches literally. */
export function compilePathPattern(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "*" && pattern[i + 1] === "*") {
      source += ".*";
      i++;
    } else if (ch === "*") {
      source += "[^/]*";
    } else {
      source += ch.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`);
}

/** mulberry32: tiny, fast, and the same sequence for the same seed on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The active fault rules. At most one rule applies to a request: the first, in the order added, that matches
 * and wins its probability draw. Draws happen only for matching rules that have a probability, so the outcome
 * for a given seed depends only on the sequence of matching requests.
 */
export class FaultInjector {
  private rules: { rule: FaultRule; pattern: RegExp }[] = [];
  private nextId = 1;
  private random: () => number;

  constructor(private readonly seed: number) {
    this.random = seededRandom(seed);
  }

  /** Validates and appends rules from a control-API body; returns the appended rules with their ids. */
  add(body: unknown): FaultRule[] {
    const parsed = FaultRulesBodySchema.safeParse(body ?? {});
    if (!parsed.success) throw new HttpError(400, "bad_request", `Invalid fault rules: ${formatIssues(parsed.error)}`);
    const added = parsed.data.rules.map((input) => {
      const rule: FaultRule = { id: `rule-${this.nextId++}`, ...input };
      if (input.count !== undefined) rule.remaining = input.count;
      this.rules.push({ rule, pattern: compilePathPattern(input.path) });
      return { ...rule };
    });
    return added;
  }

  /** The active rules. */
  list(): FaultRule[] {
    return this.rules.map(({ rule }) => ({ ...rule }));
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = [];
  }

  /** Removes every rule and restarts the random sequence, so a reset emulator behaves like a new one. */
  reset(): void {
    this.clear();
    this.nextId = 1;
    this.random = seededRandom(this.seed);
  }

  /** The rule that applies to this request, if any; using it counts down its `count`. */
  take(method: string, path: string): FaultRule | undefined {
    for (const entry of this.rules) {
      const { rule, pattern } = entry;
      if (rule.method !== undefined && rule.method !== method.toUpperCase()) continue;
      if (!pattern.test(path)) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      if (rule.remaining !== undefined) {
        rule.remaining--;
        if (rule.remaining <= 0) this.rules = this.rules.filter((e) => e !== entry);
      }
      return { ...rule };
    }
    return undefined;
  }
}
