/**
 * @module SQL for the append-only audit log (`audit_log`). Hashing and verification live in
 * src/changes/audit.ts; this file only reads and inserts rows.
 */
import type { Db } from './db.js';

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
}

export class AuditRepo {
  readonly #head;
  readonly #insert;
  readonly #after;
  readonly #afterForRequest;
  readonly #all;
  readonly #count;
  readonly #bySeq;

  constructor(db: Db) {
    this.#head = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.#insert = db.prepare(
      'INSERT INTO audit_log (seq, at, actor, action, request_id, data, prev_hash, hash) VALUES (@seq, @at, @actor, @action, @request_id, @data, @prev_hash, @hash)',
    );
    this.#after = db.prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?');
    this.#afterForRequest = db.prepare('SELECT * FROM audit_log WHERE request_id = ? AND seq > ? ORDER BY seq LIMIT ?');
    this.#all = db.prepare('SELECT * FROM audit_log ORDER BY seq');
    this.#count = db.prepare('SELECT count(*) AS n FROM audit_log');
    this.#bySeq = db.prepare('SELECT * FROM audit_log WHERE seq = ?');
  }

  /** The newest row's seq and hash, or undefined for an empty log. */
  head(): { seq: number; hash: string } | undefined {
    return this.#head.get() as { seq: number; hash: string } | undefined;
  }

  insert(row: AuditRow): void {
    this.#insert.run(row);
  }

  list(q: AuditQuery = {}): AuditRow[] {
    const after = q.after ?? 0;
    const limit = q.limit ?? 100;
    return (q.requestId === undefined ? this.#after.all(after, limit) : this.#afterForRequest.all(q.requestId, after, limit)) as AuditRow[];
  }

  /** Every row in seq order, streamed (verification and export of large logs). */
  iterate(): IterableIterator<AuditRow> {
    return this.#all.iterate() as IterableIterator<AuditRow>;
  }

  bySeq(seq: number): AuditRow | undefined {
    return this.#bySeq.get(seq) as AuditRow | undefined;
  }

  count(): number {
    return (this.#count.get() as { n: number }).n;
  }
}
