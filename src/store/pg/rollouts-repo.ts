/**
 * @module PostgreSQL: staged rollouts, the rollout row per change request and its targets.
 */
import type { SyncPg } from './bridge.js';
import type { RolloutRow, RolloutTargetRow, RolloutsStore } from '../ports/rollouts.js';

export class PgRolloutsRepo implements RolloutsStore {
  constructor(private readonly pg: SyncPg) {}

  list(limit: number): RolloutRow[] {
    return this.pg.rows<RolloutRow>('SELECT * FROM rollouts ORDER BY started_at DESC, change_id DESC LIMIT $1', [limit]);
  }

  create(
    r: { changeId: string; kind: string; label: string; stageCount: number; options: string; now: number },
    targets: ReadonlyArray<{ uid: string; stage: number; hash: string; healthy: boolean | undefined }>,
  ): void {
    this.pg.batch([
      {
        sql: `INSERT INTO rollouts (change_id, kind, label, state, stage, stage_count, options, started_at, stage_started_at, updated_at)
              VALUES ($1, $2, $3, 'running', 0, $4, $5, $6, $6, $6)`,
        params: [r.changeId, r.kind, r.label, r.stageCount, r.options, r.now],
      },
      {
        sql: `INSERT INTO rollout_targets (change_id, uid, stage, hash, healthy_at_start)
              SELECT $1, u.uid, u.stage, u.hash, u.healthy FROM unnest($2::text[], $3::bigint[], $4::text[], $5::bigint[]) AS u(uid, stage, hash, healthy)`,
        params: [
          r.changeId,
          targets.map((t) => t.uid),
          targets.map((t) => t.stage),
          targets.map((t) => t.hash),
          targets.map((t) => (t.healthy === undefined ? null : t.healthy ? 1 : 0)),
        ],
      },
    ]);
  }

  get(changeId: string): RolloutRow | undefined {
    return this.pg.row<RolloutRow>('SELECT * FROM rollouts WHERE change_id = $1', [changeId]);
  }

  targets(changeId: string): RolloutTargetRow[] {
    return this.pg.rows<RolloutTargetRow>('SELECT * FROM rollout_targets WHERE change_id = $1 ORDER BY stage, uid', [changeId]);
  }

  setAttempt(changeId: string, uid: string, attemptId: number): void {
    this.pg.defer('UPDATE rollout_targets SET attempt_id = $1 WHERE change_id = $2 AND uid = $3', [attemptId, changeId, uid]);
  }

  setStage(changeId: string, stage: number, now: number): void {
    this.pg.run('UPDATE rollouts SET stage = $1, stage_started_at = $2, updated_at = $2 WHERE change_id = $3', [stage, now, changeId]);
  }

  finish(changeId: string, state: 'halted' | 'completed', reason: string | null, now: number): void {
    this.pg.run('UPDATE rollouts SET state = $1, halt_reason = $2, updated_at = $3 WHERE change_id = $4', [state, reason, now, changeId]);
  }
}
