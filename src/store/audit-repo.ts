/**
 * @module SQL for the append-only audit log (`audit_log`). Hashing and verification live in
 * src/changes/audit.ts; this file only reads and inserts rows.
 */
import type { Db } from './db.js';
import type { AuditQuery, AuditRow, AuditStore } from './ports/audit.js';

export class AuditRepo implements AuditStore {
  readonly #head;
  readonly #insert;
  readonly #after;
  readonly #afterForRequest;
  readonly #all;
  readonly #count;
  readonly #bySeq;
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
    this.#head = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.#insert = db.prepare(
      'INSERT INTO audit_log (seq, at, actor, action, request_id, data, prev_hash, hash) VALUES (@seq, @at, @actor, @action, @request_id, @data, ' +
        '@prev_hash, @hash)',
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
    if (q.before !== undefined || q.action !== undefined || q.actor !== undefined || q.newestFirst) return this.#filtered(q, after, limit);
    return (q.requestId === undefined ? this.#after.all(after, limit) : this.#afterForRequest.all(q.requestId, after, limit)) as AuditRow[];
  }

  #filtered(q: AuditQuery, after: number, limit: number): AuditRow[] {
    const where = ['seq > ?'];
    const args: unknown[] = [after];
    const add = (clause: string, ...values: unknown[]) => {
      where.push(clause);
      args.push(...values);
    };
    if (q.before !== undefined) add('seq < ?', q.before);
    if (q.requestId !== undefined) add('request_id = ?', q.requestId);
    if (q.actor !== undefined) add('actor = ?', q.actor);
    if (q.action !== undefined) {
      if (q.action.endsWith('.')) add('substr(action, 1, ?) = ?', q.action.length, q.action);
      else add('action = ?', q.action);
    }
    const order = q.newestFirst ? 'DESC' : 'ASC';
    return this.#db.prepare(`SELECT * FROM audit_log WHERE ${where.join(' AND ')} ORDER BY seq ${order} LIMIT ?`).all(...args, limit) as AuditRow[];
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
