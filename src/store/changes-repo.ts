/**
 * @module SQLite: change requests, their approvals and per-agent outcomes. src/changes/requests.ts
 * maps the rows to ChangeRequest.
 */
import type { Db } from './db.js';
import type { ApprovalRow, ChangeListFilter, ChangeRow, ChangesStore, NewChangeRow, OutcomeRow } from './ports/changes.js';
import type { AgentOutcomeStatus, ChangeState } from '../shared/vocabulary.js';

export class ChangesRepo implements ChangesStore {
  readonly #db: Db;
  readonly #insert;
  readonly #byId;
  readonly #openByKey;
  readonly #byState;
  readonly #due;
  readonly #transition;
  readonly #hold;
  readonly #approvals;
  readonly #insertApproval;
  readonly #outcomes;
  readonly #outcome;
  readonly #upsertOutcome;
  readonly #outcomeCounts;

  constructor(db: Db) {
    this.#db = db;
    this.#insert = db.prepare(`INSERT INTO change_requests (kind, state, requester_key, requester, channel, llm_originated, reason, target, params, targets,
      ineligible, payload_fingerprint, fingerprint, risk, required_approvals, preview, idempotency_key, created_at, expires_at, updated_at)
      VALUES (@kind, 'pending', @requester_key, @requester, @channel, @llm_originated, @reason, @target, @params, @targets, @ineligible,
      @payload_fingerprint, @fingerprint, @risk, @required_approvals, @preview, @idempotency_key, @created_at, @expires_at, @created_at)`);
    this.#byId = db.prepare('SELECT * FROM change_requests WHERE id = ?');
    this.#openByKey = db.prepare("SELECT * FROM change_requests WHERE idempotency_key = ? AND state IN ('pending','approved','executing')");
    this.#byState = db.prepare('SELECT * FROM change_requests WHERE state = ? ORDER BY id');
    this.#due = db.prepare("SELECT * FROM change_requests WHERE state IN ('pending','approved') AND expires_at <= ? ORDER BY id");
    this.#transition = db.prepare(
      'UPDATE change_requests SET state = @to, updated_at = @now, result_summary = coalesce(@summary, result_summary), held_reason = NULL, held_until ' +
        '= NULL WHERE id = @id AND state = @from',
    );
    this.#hold = db.prepare('UPDATE change_requests SET held_reason = ?, held_until = ?, updated_at = ? WHERE id = ?');
    this.#approvals = db.prepare('SELECT * FROM change_approvals WHERE request_id = ? ORDER BY seq');
    this.#insertApproval = db.prepare(`INSERT INTO change_approvals (request_id, principal_key, person, principal, decision, comment, fingerprint, channel, at)
      VALUES (@request_id, @principal_key, @person, @principal, @decision, @comment, @fingerprint, @channel, @at)`);
    this.#outcomes = db.prepare('SELECT uid, status, detail, at FROM change_outcomes WHERE request_id = ? ORDER BY uid');
    this.#outcome = db.prepare('SELECT uid, status, detail, at FROM change_outcomes WHERE request_id = ? AND uid = ?');
    this.#upsertOutcome = db.prepare(`INSERT INTO change_outcomes (request_id, uid, status, detail, at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (request_id, uid) DO UPDATE SET status = excluded.status, detail = excluded.detail, at = excluded.at`);
    this.#outcomeCounts = db.prepare('SELECT status, count(*) AS n FROM change_outcomes WHERE request_id = ? GROUP BY status');
  }

  insert(row: NewChangeRow): number {
    return Number(this.#insert.run(row).lastInsertRowid);
  }

  row(id: number): ChangeRow | undefined {
    return this.#byId.get(id) as ChangeRow | undefined;
  }

  openByKey(key: string): ChangeRow | undefined {
    return this.#openByKey.get(key) as ChangeRow | undefined;
  }

  byState(state: ChangeState): ChangeRow[] {
    return this.#byState.all(state) as ChangeRow[];
  }

  /** One process owns every execution. */
  executingToResume(): ChangeRow[] {
    return this.byState('executing');
  }

  /** Pending or approved (held) requests whose expiry has passed. */
  dueForExpiry(now: number): ChangeRow[] {
    return this.#due.all(now) as ChangeRow[];
  }

  /** Conditional state change: true only if the request was in `from` (exactly-once transitions). Clears any hold. */
  transition(id: number, from: ChangeState, to: ChangeState, now: number, summary: string | null = null): boolean {
    return this.#transition.run({ id, from, to, now, summary }).changes === 1;
  }

  setHold(id: number, reason: string | null, until: number | null, now: number): void {
    this.#hold.run(reason, until, now, id);
  }

  insertApproval(row: ApprovalRow): void {
    this.#insertApproval.run(row);
  }

  approvals(id: number): ApprovalRow[] {
    return this.#approvals.all(id) as ApprovalRow[];
  }

  outcomes(id: number): OutcomeRow[] {
    return this.#outcomes.all(id) as OutcomeRow[];
  }

  /** Distinct persons that approved (not rejected) the request. */
  approvers(id: number): Set<string> {
    return new Set((this.#approvals.all(id) as ApprovalRow[]).filter((a) => a.decision === 'approve').map((a) => a.person));
  }

  outcome(id: number, uid: string): OutcomeRow | undefined {
    return this.#outcome.get(id, uid) as OutcomeRow | undefined;
  }

  upsertOutcome(id: number, o: OutcomeRow): void {
    this.#upsertOutcome.run(id, o.uid, o.status, o.detail, o.at);
  }

  outcomeCounts(id: number): Partial<Record<AgentOutcomeStatus, number>> {
    const out: Partial<Record<AgentOutcomeStatus, number>> = {};
    for (const r of this.#outcomeCounts.all(id) as Array<{ status: AgentOutcomeStatus; n: number }>) out[r.status] = r.n;
    return out;
  }

  list(f: ChangeListFilter = {}): { total: number; rows: ChangeRow[] } {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.states && f.states.length > 0) {
      where.push(`state IN (${f.states.map(() => '?').join(',')})`);
      args.push(...f.states);
    }
    if (f.kind) {
      where.push('kind = ?');
      args.push(f.kind);
    }
    if (f.requester) {
      where.push('requester_key = ?');
      args.push(f.requester);
    }
    if (f.createdAfter !== undefined) {
      where.push('created_at >= ?');
      args.push(f.createdAfter);
    }
    if (f.createdBefore !== undefined) {
      where.push('created_at < ?');
      args.push(f.createdBefore);
    }
    if (f.agent) {
      // Outcomes are indexed by uid (migration 007); only open requests are searched by their target
      // list, so the cost does not grow with the history of fleet-wide requests.
      where.push(`(id IN (SELECT request_id FROM change_outcomes WHERE uid = ?)
        OR (state IN ('pending','approved','executing') AND EXISTS (SELECT 1 FROM json_each(change_requests.targets) WHERE value = ?)))`);
      args.push(f.agent, f.agent);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.#db.prepare(`SELECT count(*) AS n FROM change_requests ${clause}`).get(...args) as { n: number }).n;
    const rows = this.#db
      .prepare(`SELECT * FROM change_requests ${clause} ORDER BY id DESC LIMIT ? OFFSET ?`)
      .all(...args, f.limit ?? 50, f.offset ?? 0) as ChangeRow[];
    return { total, rows };
  }
}
