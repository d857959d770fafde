import type { Runner } from "../client/soda-cloud-client";

/**
 * Which runner (agent) is a SodaAgentKey's own.
 *
 * A runner carries no key id: Soda Cloud's API never says which key an agent registered with. A key only ever acts
 * on a runner it has recorded (id and name, in its state), and records one found under its agent name only when
 * nothing this provider can see points elsewhere. The rule, also in DESIGN.md and the README:
 *
 * - The name was free when the key was minted (create refuses a name another runner holds), so a runner under it
 *   registered after the key existed.
 * - No other key of this stack claims the name or the runner: the SDK refuses two keys of one name in a program, and
 *   this registry refuses a second claim within one provider process (one `up`, `refresh` or `destroy` of a stack).
 * - The runner is self-hosted: a runner key cannot make a Soda-hosted agent.
 *
 * What stays beyond Soda's API: a key minted outside this stack (the Soda Cloud UI, another stack) whose agent took
 * the same name. Nothing Soda returns tells the two apart; the create-time check and unique names are the defence.
 */
export class RunnerOwnership {
  /** Agent name -> ids of the keys of this process that carry it. */
  private readonly keysByName = new Map<string, Set<string>>();
  /** Runner id -> id of the key that recorded it. */
  private readonly ownerByRunner = new Map<string, string>();

  /** Notes a key this process has seen (created, read or deleted), with the runner it has recorded, if any. */
  noteKey(key: OwnedKey): void {
    let keys = this.keysByName.get(key.agentName);
    if (keys === undefined) this.keysByName.set(key.agentName, (keys = new Set()));
    keys.add(key.apiKeyId);
    if (key.runnerId !== "") this.ownerByRunner.set(key.runnerId, key.apiKeyId);
  }

  /** Whether `apiKeyId` is the key of a SodaAgentKey this process has seen (for a clearer message when one is used as an API key). */
  isAgentKey(apiKeyId: string): boolean {
    return [...this.keysByName.values()].some((keys) => keys.has(apiKeyId));
  }

  /** Forgets a key whose runner is gone (deleted by its delete, or out of band): it can claim nothing any more. */
  forgetKey(key: OwnedKey): void {
    this.keysByName.get(key.agentName)?.delete(key.apiKeyId);
    if (key.runnerId !== "" && this.ownerByRunner.get(key.runnerId) === key.apiKeyId) this.ownerByRunner.delete(key.runnerId);
  }

  /**
   * Whether `runner`, found under the key's agent name, can be tied to the key; if so it is recorded as the key's
   * own in this process. Otherwise the reason, a clause that follows "left alone because".
   */
  tie(key: OwnedKey, runner: Runner): { tied: true } | { tied: false; reason: string } {
    const owner = this.ownerByRunner.get(runner.id);
    if (owner !== undefined && owner !== key.apiKeyId) return { tied: false, reason: `key ${owner} of this stack already recorded it` };
    const others = [...(this.keysByName.get(key.agentName) ?? [])].filter((id) => id !== key.apiKeyId);
    if (others.length > 0)
      return {
        tied: false,
        reason: `key ${others.join(", ")} of this stack has the same agent name, and Soda Cloud does not say which key an agent registered with`,
      };
    if (runner.type === "SODA_HOSTED") return { tied: false, reason: "it is a Soda-hosted agent, which no agent key can register" };
    this.ownerByRunner.set(runner.id, key.apiKeyId);
    return { tied: true };
  }
}

/** What ownership needs of a key's state. */
export interface OwnedKey {
  apiKeyId: string;
  agentName: string;
  /** The recorded runner, or "". */
  runnerId: string;
}
