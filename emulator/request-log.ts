import type { EmulatedOperation } from "./rest-context";
import type { SodaCoreOperation } from "./soda-core-api";

/** One REST request the emulator saw (control-API requests are not recorded). */
export interface RequestRecord {
  method: string;
  /** The path without the query string. */
  path: string;
  /** The query parameters (the last value wins for a repeated name). */
  query: Record<string, string>;
  /** The operation the route maps to (a Soda Core login or query included); null for a path or method the API does not have. */
  operation: EmulatedOperation | SodaCoreOperation | null;
  /** The status sent; 0 when a fault destroyed the connection instead of responding. */
  status: number;
  /** Time from arrival to response (or to the connection being destroyed), in milliseconds. */
  ms: number;
  /** The id of the fault rule applied to the request, if any. */
  faultRuleId?: string;
}

// A long benchmark must not grow memory without bound; this is far more than any test or benchmark reads.
const MAX_RECORDS = 100_000;

/** The REST requests seen since start or the last clear, oldest first. */
export class RequestLog {
  private records: RequestRecord[] = [];

  /** Appends a record, dropping the oldest beyond the cap. */
  add(record: RequestRecord): void {
    this.records.push(record);
    if (this.records.length > MAX_RECORDS) this.records.splice(0, this.records.length - MAX_RECORDS);
  }

  /** A copy of the records, oldest first. */
  list(): RequestRecord[] {
    return this.records.map((r) => ({ ...r, query: { ...r.query } }));
  }

  /** Forgets every record. */
  clear(): void {
    this.records = [];
  }
}
