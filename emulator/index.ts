import type { AddressInfo } from "node:net";
import { z } from "zod";
import { systemClock, type Clock } from "../provider/client/clock";
import { AGENT_PERMISSION } from "../provider/client/soda-api";
import { clientUrl } from "./bind-host";
import { FaultInjector } from "./faults";
import { generateKeyPair, type KeyPair } from "./keys";
import { emulatedRateLimits, RateLimiter } from "./rate-limiter";
import { RequestLog, type RequestRecord } from "./request-log";
import type { RunnerInUseRule } from "./rest-context";
import { createEmulatorServer } from "./server";
import { upsertStartupKeys, type StartupKey } from "./startup-keys";
import { Store } from "./store";
import { formatIssues } from "./zod-issues";

export type { KeyPair } from "./keys";
export type { RequestRecord } from "./request-log";
export type { FaultRule, FaultRuleInput } from "./faults";
export { EmulatorStateError, STATE_FILE_NAME, STATE_VERSION } from "./store";
export { CONTROL_PREFIX } from "./control-api";
export type { ApiKeyDump, StateDump } from "./control-api";
export type { WireRunner } from "./rest-api";
export type { WireDatasource } from "./datasource-api";
export type { RunnerInUseRule } from "./rest-context";

/** The organisation name of a fresh emulator. */
export const DEFAULT_ORGANISATION = "Emulated Organisation";

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** TCP port; 0 (the default) picks any free port. */
  port?: number;
  /**
   * Interface to bind; defaults to 127.0.0.1, because the control API has no auth: anything that can reach the
   * port can mint keys and inject faults. Bind another only for clients that cannot reach loopback (containers).
   */
  host?: string;
  /** Directory whose `state.json` keeps keys and runners across restarts; in memory only when absent. */
  dataDir?: string;
  /** User keys with the agent permission. The first is `Emulator.adminKey`; one is generated when none is given. */
  adminKeys?: KeyPair[];
  /** User keys without the agent permission. */
  userKeys?: KeyPair[];
  /** Organisation name reported by test-login; defaults to the stored one, else "Emulated Organisation". */
  organisation?: string;
  /** Length in milliseconds of Soda's 60-second rate-limit windows (every window scales by the same factor). */
  rateWindowMs?: number;
  /** Time source for rate limiting and timestamps; the wall clock by default. Injected latency always uses real time. */
  clock?: Clock;
  /** Seed of the generator behind fault probabilities; 1 by default. */
  seed?: number;
  /** Receives one line per REST request (`METHOD path status Nms`); never a secret. */
  log?: (line: string) => void;
  /**
   * What makes Soda refuse to delete a runner as "in use", which Soda does not define: `scans` (the default) only
   * the control API's in-use flag, which stands for running scans; `scans-or-datasources` also a runner that data
   * sources are assigned to.
   */
  runnerInUse?: RunnerInUseRule;
}

/** A running emulator. */
export interface Emulator {
  /**
   * Base URL, e.g. `http://127.0.0.1:43123`; the REST API is under `/api/v1`, the control API under `/__emulator`.
   * For a wildcard bind (`0.0.0.0`, `::`) it names loopback (`127.0.0.1`, `[::1]`), an address a client can use.
   */
  url: string;
  /** The first admin key (given or generated). */
  adminKey: KeyPair;
  /** The REST requests seen since start, the last reset, or the last clear. */
  requests(): RequestRecord[];
  /** Stops listening and ends every open connection; safe to call more than once. */
  close(): Promise<void>;
}

const KeySchema = z.object({
  apiKeyId: z
    .string()
    .min(1)
    .refine((id) => !id.includes(":"), "must not contain ':' (HTTP Basic auth splits on it)"),
  apiKeySecret: z.string().min(1),
});

const OptionsSchema = z.object({
  port: z.int().min(0).max(65535).optional(),
  host: z.string().min(1).optional(),
  dataDir: z.string().min(1).optional(),
  adminKeys: z.array(KeySchema).optional(),
  userKeys: z.array(KeySchema).optional(),
  organisation: z.string().optional(),
  rateWindowMs: z.number().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  seed: z.number().finite().optional(),
  runnerInUse: z.enum(["scans", "scans-or-datasources"]).optional(),
});

/**
 * Starts a local Soda Cloud emulator: Soda's documented REST API for runner keys, plus a control API that plays
 * the parts outside that API (agents registering, UI-made API keys, faults). Throws EmulatorStateError when the
 * data directory holds a state file it cannot trust.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) throw new TypeError(`Invalid emulator options: ${formatIssues(parsed.error)}`);
  const opts = parsed.data;
  const clock = options.clock ?? systemClock();

  const adminKeys = opts.adminKeys !== undefined && opts.adminKeys.length > 0 ? opts.adminKeys : [generateKeyPair()];
  const startupKeys: StartupKey[] = [
    ...adminKeys.map((k) => ({ apiKeyId: k.apiKeyId, apiKeySecret: k.apiKeySecret, permissions: [AGENT_PERMISSION] })),
    ...(opts.userKeys ?? []).map((k) => ({ apiKeyId: k.apiKeyId, apiKeySecret: k.apiKeySecret, permissions: [] })),
  ];
  const duplicate = startupKeys.find((k, i) => startupKeys.findIndex((o) => o.apiKeyId === k.apiKeyId) !== i);
  if (duplicate !== undefined) throw new TypeError(`Invalid emulator options: key id ${duplicate.apiKeyId} is given twice.`);

  const store = Store.open({ dataDir: opts.dataDir, defaultOrganisationName: opts.organisation ?? DEFAULT_ORGANISATION });
  store.mutate((draft) => {
    if (opts.organisation !== undefined) draft.organisationName = opts.organisation;
    upsertStartupKeys(draft, startupKeys, new Date(clock.now()).toISOString());
  });

  const requests = new RequestLog();
  const closing = new AbortController();
  const server = createEmulatorServer({
    store,
    clock,
    startupKeys,
    requests,
    faults: new FaultInjector(opts.seed ?? 1),
    limiter: new RateLimiter(emulatedRateLimits(opts.rateWindowMs), clock),
    runnerInUse: opts.runnerInUse ?? "scans",
    log: options.log,
    closing: closing.signal,
  });

  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  return {
    url: clientUrl(host, port),
    adminKey: { apiKeyId: adminKeys[0].apiKeyId, apiKeySecret: adminKeys[0].apiKeySecret },
    requests: () => requests.list(),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
