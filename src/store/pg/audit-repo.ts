/**
 * @module PostgreSQL: the append-only audit log. Appends are serialised across replicas: reading
 * the head inside a transaction takes the writer lock first (durable transactions hold it
 * already), so two replicas never chain onto the same row and the log stays one line.
 */
import { LOCK_NAMESPACE, WRITER_LOCK, type SyncPg } from './bridge.js';
import type { AuditQuery, AuditRow, AuditStore } from '../ports/audit.js';

const PAGE = 1_000;

export class PgAuditRepo implements AuditStore {
  /** The head as of this transaction's last append (the writer lock keeps it ours until commit). */
  #txHead: { tx: number; head: { seq: number; hash: string } } | undefined;

  constructor(private readonly pg: SyncPg) {}

  head(): { seq: number; hash: string } | undefined {
    if (!this.pg.inTransaction) return this.pg.row<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    if (this.#txHead?.tx === this.pg.transactionId) return { ...this.#txHead.head };
    this.pg.defer('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, WRITER_LOCK]);
    return this.pg.row<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  }

  insert(row: AuditRow): void {
    if (this.pg.inTransaction) this.#txHead = { tx: this.pg.transactionId, head: { seq: row.seq, hash: row.hash } };
    this.pg.defer('INSERT INTO audit_log (seq, at, actor, action, request_id, data, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
      row.seq,
      row.at,
      row.actor,
      row.action,
      row.request_id,
      row.data,
      row.prev_hash,
      row.hash,
    ]);
  }

  list(q: AuditQuery = {}): AuditRow[] {
    const where = ['seq > $1'];
    const args: unknown[] = [q.after ?? 0];
    const add = (clause: (n: number) => string, value: unknown) => {
      args.push(value);
      where.push(clause(args.length));
    };
    if (q.before !== undefined) add((n) => `seq < $${n}`, q.before);
    if (q.requestId !== undefined) add((n) => `request_id = $${n}`, q.requestId);
    if (q.actor !== undefined) add((n) => `actor = $${n}`, q.actor);
    if (q.action !== undefined) {
      if (q.action.endsWith('.')) add((n) => `starts_with(action, $${n})`, q.action);
      else add((n) => `action = $${n}`, q.action);
    }
    args.push(q.limit ?? 100);
    return this.pg.rows<AuditRow>(
      `SELECT * FROM audit_log WHERE ${where.join(' AND ')} ORDER BY seq ${q.newestFirst ? 'DESC' : 'ASC'} LIMIT $${args.length}`,
      args,
    );
  }

  /** Every row in seq order, read in pages (no statement stays open between them). */
  *iterate(): IterableIterator<AuditRow> {
    let after = 0;
    for (;;) {
      const page = this.pg.rows<AuditRow>('SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2', [after, PAGE]);
      yield* page;
      if (page.length < PAGE) return;
      after = page.at(-1)!.seq;
    }
  }

  bySeq(seq: number): AuditRow | undefined {
    return this.pg.row<AuditRow>('SELECT * FROM audit_log WHERE seq = $1', [seq]);
  }

  count(): number {
    return this.pg.row<{ n: number }>('SELECT count(*) AS n FROM audit_log')!.n;
  }
}
