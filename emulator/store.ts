import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { formatIssues } from "./zod-issues";

/** The version written into state.json; a file with another version is refused, never migrated silently. */
export const STATE_VERSION = 1;

/** The name of the state file inside a data directory. */
export const STATE_FILE_NAME = "state.json";

const RunnerTypeSchema = z.enum(["SELF_HOSTED", "SODA_HOSTED"]);

/** Where a runner runs; Soda-hosted runners cannot be deleted. */
export type RunnerType = z.infer<typeof RunnerTypeSchema>;

/** The runner type values, for validating control-API input. */
export const RUNNER_TYPES = RunnerTypeSchema.options;

const StoredApiKeySchema = z.strictObject({
  apiKeyId: z.string().min(1),
  secretSha256: z.string().regex(/^[0-9a-f]{64}$/),
  kind: z.enum(["user", "runner"]),
  permissions: z.array(z.string()),
  revoked: z.boolean(),
  runnerId: z.string().nullable(),
  createdAt: z.string(),
});

/** A key as the emulator keeps it: the secret only as a SHA-256 hash. */
export type StoredApiKey = z.infer<typeof StoredApiKeySchema>;

const StoredRunnerSchema = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1),
  label: z.string(),
  isOnline: z.boolean(),
  lastSeenTimestamp: z.string(),
  type: RunnerTypeSchema,
  versions: z.strictObject({ agent: z.string(), library: z.string(), runner: z.string() }),
  inUse: z.boolean(),
  apiKeyId: z.string().min(1),
});

/** A runner as the emulator keeps it: Soda's Runner plus what Soda keeps hidden (in use, its key). */
export type StoredRunner = z.infer<typeof StoredRunnerSchema>;

const StoredDatasourceSchema = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1),
  label: z.string(),
  type: z.string().min(1),
  createdAt: z.string(),
  updatedAt: z.string(),
  runnerId: z.string().nullable(),
});

/** A data source as the emulator keeps it: Soda's DTO plus the runner it is bound to, which Soda does not show. */
export type StoredDatasource = z.infer<typeof StoredDatasourceSchema>;

const StateSchema = z
  .strictObject({
    version: z.literal(STATE_VERSION),
    organisationName: z.string(),
    apiKeys: z.array(StoredApiKeySchema),
    runners: z.array(StoredRunnerSchema),
    // Absent from files written before the emulator kept data sources: those read as having none.
    datasources: z.array(StoredDatasourceSchema).default([]),
  })
  .superRefine((state, ctx) => {
    const keys = new Map<string, StoredApiKey>();
    state.apiKeys.forEach((key, i) => {
      if (keys.has(key.apiKeyId)) ctx.addIssue({ code: "custom", path: ["apiKeys", i, "apiKeyId"], message: "duplicate key id" });
      keys.set(key.apiKeyId, key);
    });
    const ids = new Set<string>();
    const names = new Set<string>();
    state.runners.forEach((runner, i) => {
      if (ids.has(runner.id)) ctx.addIssue({ code: "custom", path: ["runners", i, "id"], message: "duplicate runner id" });
      if (names.has(runner.name)) ctx.addIssue({ code: "custom", path: ["runners", i, "name"], message: "duplicate runner name" });
      if (keys.get(runner.apiKeyId)?.kind !== "runner") {
        ctx.addIssue({ code: "custom", path: ["runners", i, "apiKeyId"], message: "not the id of a runner key" });
      }
      ids.add(runner.id);
      names.add(runner.name);
    });
  });

/** Everything the emulator remembers about its one organisation. */
export type State = z.infer<typeof StateSchema>;

/** The data file exists but cannot be used; the emulator refuses to start rather than silently losing it. */
export class EmulatorStateError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(
      `Cannot use the emulator state file ${file}: ${reason}. ` +
        `Move the file away (or delete it) to start fresh, or use another data directory (--data-dir / dataDir).`,
    );
    this.name = "EmulatorStateError";
  }
}

/**
 * The emulator's state and its persistence. Every mutation runs on a copy that becomes current only once it
 * is on disk, so memory and disk never disagree and a handler that throws half-way changes nothing.
 */
export class Store {
  private current: State;

  private constructor(
    initial: State,
    private readonly file: string | undefined,
  ) {
    this.current = initial;
  }

  /** Loads `<dataDir>/state.json` (or starts empty); throws EmulatorStateError for a file it cannot trust. */
  static open(options: { dataDir?: string; defaultOrganisationName: string }): Store {
    const fresh: State = { version: STATE_VERSION, organisationName: options.defaultOrganisationName, apiKeys: [], runners: [], datasources: [] };
    if (options.dataDir === undefined) return new Store(fresh, undefined);
    mkdirSync(options.dataDir, { recursive: true });
    removeAbandonedTempFiles(options.dataDir);
    const file = join(options.dataDir, STATE_FILE_NAME);
    const loaded = readStateFile(file);
    return new Store(loaded ?? fresh, file);
  }

  /** The current state; treat as read-only and change it only through `mutate`. */
  get state(): Readonly<State> {
    return this.current;
  }

  /** Applies `change` to a copy, persists the copy, then makes it current; returns what `change` returned. */
  mutate<T>(change: (draft: State) => T): T {
    const draft = structuredClone(this.current);
    const result = change(draft);
    if (this.file !== undefined) writeStateFile(this.file, draft);
    this.current = draft;
    return result;
  }
}

function readStateFile(file: string): State | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new EmulatorStateError(file, `it cannot be read (${(error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new EmulatorStateError(file, `it is not valid JSON (${(error as Error).message})`);
  }
  if (typeof json === "object" && json !== null && "version" in json && json.version !== STATE_VERSION) {
    throw new EmulatorStateError(file, `it has version ${JSON.stringify(json.version)}, this emulator reads version ${STATE_VERSION}`);
  }
  const parsed = StateSchema.safeParse(json);
  if (!parsed.success) throw new EmulatorStateError(file, `it does not have the expected shape (${formatIssues(parsed.error)})`);
  return parsed.data;
}

/** The name `writeStateFile` gives its temp files. */
const TEMP_FILE_PATTERN = new RegExp(`^\\.${STATE_FILE_NAME.replace(".", "\\.")}\\.\\d+\\.[0-9a-f]{12}\\.tmp$`);

/** A process killed mid-write leaves its temp file behind; it was never renamed into place, so it is garbage. */
function removeAbandonedTempFiles(dataDir: string): void {
  for (const name of readdirSync(dataDir)) {
    if (TEMP_FILE_PATTERN.test(name)) rmSync(join(dataDir, name), { force: true });
  }
}

/**
 * Write-temp, fsync, rename, fsync-directory: after a crash at any point state.json is either the old or the
 * new state, never a torn mix, and once this returns the new state survives a power loss.
 */
function writeStateFile(file: string, state: State): void {
  const dir = join(file, "..");
  const temp = join(dir, `.${STATE_FILE_NAME}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const fd = openSync(temp, "w", 0o600);
  try {
    writeSync(fd, JSON.stringify(state, null, 2) + "\n");
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  renameSync(temp, file);
  fsyncDirectory(dir);
}

function fsyncDirectory(dir: string): void {
  // Windows cannot open a directory for fsync; its rename is already durable enough for an emulator.
  if (process.platform === "win32") return;
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
