/**
 * @module Port: the append-only audit log (`audit_log`). Hashing and verification live in
 * src/changes/audit.ts; this file only reads and inserts rows.
 */

export interface AuditRow {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly request_id: string | null;
  /** Canonical JSON text. */
  readonly data: string;
  readonly prev_hash: string;
  readonly hash: string;
}

export interface AuditQuery {
  /** Rows with seq greater than this. */
  readonly after?: number;
  readonly limit?: number;
  readonly requestId?: string;
  /** Rows with seq less than this (paging backwards with `newestFirst`). */
  readonly before?: number;
  /** `change.approved`, or a prefix ending in a dot (`change.`). */
  readonly action?: string;
  /** principalKey of the actor, or `system`. */
  readonly actor?: string;
  readonly newestFirst?: boolean;
}

export interface AuditStore {
  /** The newest row's seq and hash, or undefined for an empty log. */
  head():
    | {
        seq: number;
        hash: string;
      }
    | undefined;
  insert(row: AuditRow): void;
  list(q?: AuditQuery): AuditRow[];
  /** Every row in seq order, streamed (verification and export of large logs). */
  iterate(): IterableIterator<AuditRow>;
  bySeq(seq: number): AuditRow | undefined;
  count(): number;
}
