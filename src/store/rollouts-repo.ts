/**
 * @module SQLite access for staged rollouts: the rollout row per change request and its targets
 * with their stage. Written before anything is sent, so an execution resumed after a restart
 * continues from the stage it was in.
 */
import type { Db } from './db.js';
import type { RolloutRow, RolloutTargetRow, RolloutsStore } from './ports/rollouts.js';

export class RolloutsRepo implements RolloutsStore {
  readonly #insert;
  readonly #insertTarget;
  readonly #get;
  readonly #targets;
  readonly #setAttempt;
  readonly #setStage;
  readonly #finish;

  readonly #list;

  constructor(db: Db) {
    this.#insert = db.prepare(
      'INSERT INTO rollouts (change_id, kind, label, state, stage, stage_count, options, started_at, stage_started_at, updated_at) VALUES (?, ?, ?, ' +
        "'running', 0, ?, ?, ?, ?, ?)",
    );
    this.#insertTarget = db.prepare('INSERT INTO rollout_targets (change_id, uid, stage, hash, healthy_at_start) VALUES (?, ?, ?, ?, ?)');
    this.#get = db.prepare('SELECT * FROM rollouts WHERE change_id = ?');
    this.#targets = db.prepare('SELECT * FROM rollout_targets WHERE change_id = ? ORDER BY stage, uid');
    this.#setAttempt = db.prepare('UPDATE rollout_targets SET attempt_id = ? WHERE change_id = ? AND uid = ?');
    this.#setStage = db.prepare('UPDATE rollouts SET stage = ?, stage_started_at = ?, updated_at = ? WHERE change_id = ?');
    this.#list = db.prepare('SELECT * FROM rollouts ORDER BY started_at DESC LIMIT ?');
    this.#finish = db.prepare('UPDATE rollouts SET state = ?, halt_reason = ?, updated_at = ? WHERE change_id = ?');
  }

  list(limit: number): RolloutRow[] {
    return this.#list.all(limit) as RolloutRow[];
  }

  create(
    r: { changeId: string; kind: string; label: string; stageCount: number; options: string; now: number },
    targets: ReadonlyArray<{ uid: string; stage: number; hash: string; healthy: boolean | undefined }>,
  ): void {
    this.#insert.run(r.changeId, r.kind, r.label, r.stageCount, r.options, r.now, r.now, r.now);
    for (const t of targets) this.#insertTarget.run(r.changeId, t.uid, t.stage, t.hash, t.healthy === undefined ? null : t.healthy ? 1 : 0);
  }

  get(changeId: string): RolloutRow | undefined {
    return this.#get.get(changeId) as RolloutRow | undefined;
  }

  targets(changeId: string): RolloutTargetRow[] {
    return this.#targets.all(changeId) as RolloutTargetRow[];
  }

  setAttempt(changeId: string, uid: string, attemptId: number): void {
    this.#setAttempt.run(attemptId, changeId, uid);
  }

  setStage(changeId: string, stage: number, now: number): void {
    this.#setStage.run(stage, now, now, changeId);
  }

  finish(changeId: string, state: 'halted' | 'completed', reason: string | null, now: number): void {
    this.#finish.run(state, reason, now, changeId);
  }
}
