/**
 * @module PostgreSQL: change requests, their approvals and per-agent outcomes. A request moving to
 * `executing` records the replica that runs it; when that replica dies, a survivor claims it
 * (`executingToResume`) and resumes it, exactly as a restarted single server would.
 */
import type { SyncPg } from './bridge.js';
import type { ApprovalRow, ChangeListFilter, ChangeRow, ChangesStore, NewChangeRow, OutcomeRow } from '../ports/changes.js';
import type { AgentOutcomeStatus, ChangeState } from '../../shared/vocabulary.js';
import { DEAD_EXECUTOR } from './liveness-sql.js';

const NEW_COLUMNS = [
  'kind',
  'requester_key',
  'requester',
  'channel',
  'llm_originated',
  'reason',
  'target',
  'params',
  'targets',
  'ineligible',
  'payload_fingerprint',
  'fingerprint',
  'risk',
  'required_approvals',
  'preview',
  'idempotency_key',
  'created_at',
  'expires_at',
] as const;

const INSERT = `INSERT INTO change_requests (${NEW_COLUMNS.join(', ')}, state, updated_at)
  VALUES (${NEW_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')}, 'pending', $${NEW_COLUMNS.indexOf('created_at') + 1}) RETURNING id`;

export class PgChangesRepo implements ChangesStore {
  constructor(
    private readonly pg: SyncPg,
    private readonly replica: () => string | null,
  ) {}

  insert(row: NewChangeRow): number {
    const id = this.pg.row<{ id: number }>(
      INSERT,
      NEW_COLUMNS.map((c) => row[c]),
    )!.id;
    this.pg.note('change', [String(id)]);
    return id;
  }

  row(id: number): ChangeRow | undefined {
    return this.pg.row<ChangeRow>('SELECT * FROM change_requests WHERE id = $1', [id]);
  }

  openByKey(key: string): ChangeRow | undefined {
    return this.pg.row<ChangeRow>("SELECT * FROM change_requests WHERE idempotency_key = $1 AND state IN ('pending','approved','executing')", [key]);
  }

  byState(state: ChangeState): ChangeRow[] {
    return this.pg.rows<ChangeRow>('SELECT * FROM change_requests WHERE state = $1 ORDER BY id', [state]);
  }

  executingToResume(): ChangeRow[] {
    const me = this.replica();
    if (me === null) return this.byState('executing');
    return this.pg.atomically(() => {
      const rows = this.pg.rows<ChangeRow>(
        `UPDATE change_requests c SET executor = $1
         WHERE state = 'executing' AND (executor IS NULL OR executor = $1 OR ${DEAD_EXECUTOR})
         RETURNING *`,
        [me],
      );
      if (rows.length > 0)
        this.pg.note(
          'change',
          rows.map((r) => String(r.id)),
        );
      return rows.sort((a, b) => a.id - b.id);
    });
  }

  dueForExpiry(now: number): ChangeRow[] {
    return this.pg.rows<ChangeRow>("SELECT * FROM change_requests WHERE state IN ('pending','approved') AND expires_at <= $1 ORDER BY id", [now]);
  }

  transition(id: number, from: ChangeState, to: ChangeState, now: number, summary: string | null = null): boolean {
    const executor = to === 'executing' ? this.replica() : null;
    return (
      this.pg.run(
        `UPDATE change_requests SET state = $3, updated_at = $4, result_summary = coalesce($5, result_summary), held_reason = NULL, held_until = NULL,
           executor = CASE WHEN $3 = 'executing' THEN $6::text ELSE executor END
         WHERE id = $1 AND state = $2`,
        [id, from, to, now, summary, executor],
        'change',
        [String(id)],
      ) === 1
    );
  }

  setHold(id: number, reason: string | null, until: number | null, now: number): void {
    this.pg.run('UPDATE change_requests SET held_reason = $1, held_until = $2, updated_at = $3 WHERE id = $4', [reason, until, now, id], 'change', [
      String(id),
    ]);
  }

  insertApproval(row: ApprovalRow): void {
    this.pg.defer(
      `INSERT INTO change_approvals (request_id, principal_key, person, principal, decision, comment, fingerprint, channel, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [row.request_id, row.principal_key, row.person, row.principal, row.decision, row.comment, row.fingerprint, row.channel, row.at],
      'change',
      [String(row.request_id)],
    );
  }

  approvals(id: number): ApprovalRow[] {
    return this.pg.rows<ApprovalRow>(
      `SELECT request_id, principal_key, person, principal, decision, comment, fingerprint, channel, at
       FROM change_approvals WHERE request_id = $1 ORDER BY seq`,
      [id],
    );
  }

  approvers(id: number): Set<string> {
    return new Set(
      this.pg
        .rows<{ person: string }>("SELECT person FROM change_approvals WHERE request_id = $1 AND decision = 'approve' ORDER BY seq", [id])
        .map((r) => r.person),
    );
  }

  outcomes(id: number): OutcomeRow[] {
    return this.pg.rows<OutcomeRow>('SELECT uid, status, detail, at FROM change_outcomes WHERE request_id = $1 ORDER BY uid', [id]);
  }

  outcome(id: number, uid: string): OutcomeRow | undefined {
    return this.pg.row<OutcomeRow>('SELECT uid, status, detail, at FROM change_outcomes WHERE request_id = $1 AND uid = $2', [id, uid]);
  }

  upsertOutcome(id: number, o: OutcomeRow): void {
    this.pg.defer(
      `INSERT INTO change_outcomes (request_id, uid, status, detail, at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (request_id, uid) DO UPDATE SET status = excluded.status, detail = excluded.detail, at = excluded.at`,
      [id, o.uid, o.status, o.detail, o.at],
    );
  }

  outcomeCounts(id: number): Partial<Record<AgentOutcomeStatus, number>> {
    const out: Partial<Record<AgentOutcomeStatus, number>> = {};
    for (const r of this.pg.rows<{ status: AgentOutcomeStatus; n: number }>(
      'SELECT status, count(*) AS n FROM change_outcomes WHERE request_id = $1 GROUP BY status',
      [id],
    ))
      out[r.status] = r.n;
    return out;
  }

  list(f: ChangeListFilter = {}): { total: number; rows: ChangeRow[] } {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (clause: (n: number) => string, value: unknown) => {
      args.push(value);
      where.push(clause(args.length));
    };
    if (f.states && f.states.length > 0) add((n) => `state = ANY($${n}::text[])`, [...f.states]);
    if (f.kind) add((n) => `kind = $${n}`, f.kind);
    if (f.requester) add((n) => `requester_key = $${n}`, f.requester);
    if (f.createdAfter !== undefined) add((n) => `created_at >= $${n}`, f.createdAfter);
    if (f.createdBefore !== undefined) add((n) => `created_at < $${n}`, f.createdBefore);
    if (f.agent) {
      // Outcomes are indexed by uid; only open requests are searched by their target list.
      add(
        (n) => `(id IN (SELECT request_id FROM change_outcomes WHERE uid = $${n})
          OR (state IN ('pending','approved','executing') AND targets::jsonb ? $${n}))`,
        f.agent,
      );
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = this.pg.row<{ n: number }>(`SELECT count(*) AS n FROM change_requests ${clause}`, args)!.n;
    const rows = this.pg.rows<ChangeRow>(`SELECT * FROM change_requests ${clause} ORDER BY id DESC LIMIT $${args.length + 1} OFFSET $${args.length + 2}`, [
      ...args,
      f.limit ?? 50,
      f.offset ?? 0,
    ]);
    return { total, rows };
  }
}
