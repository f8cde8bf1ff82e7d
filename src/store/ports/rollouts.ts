/**
 * @module Port: staged rollouts: the rollout row per change request and its targets
 * with their stage. Written before anything is sent, so an execution resumed after a restart
 * continues from the stage it was in.
 */

export type RolloutState = 'running' | 'halted' | 'completed';

export interface RolloutRow {
  readonly change_id: string;
  readonly kind: string;
  readonly label: string;
  readonly state: RolloutState;
  readonly stage: number;
  readonly stage_count: number;
  /** JSON of the rollout options (timeouts, bake time). */
  readonly options: string;
  readonly halt_reason: string | null;
  readonly started_at: number;
  readonly stage_started_at: number;
  readonly updated_at: number;
}

export interface RolloutTargetRow {
  readonly change_id: string;
  readonly uid: string;
  readonly stage: number;
  readonly hash: string;
  readonly attempt_id: number | null;
  readonly healthy_at_start: number | null;
}

export interface RolloutsStore {
  /** The newest rollouts first. */
  list(limit: number): RolloutRow[];
  create(
    r: {
      changeId: string;
      kind: string;
      label: string;
      stageCount: number;
      options: string;
      now: number;
    },
    targets: ReadonlyArray<{
      uid: string;
      stage: number;
      hash: string;
      healthy: boolean | undefined;
    }>,
  ): void;
  get(changeId: string): RolloutRow | undefined;
  targets(changeId: string): RolloutTargetRow[];
  setAttempt(changeId: string, uid: string, attemptId: number): void;
  setStage(changeId: string, stage: number, now: number): void;
  finish(changeId: string, state: 'halted' | 'completed', reason: string | null, now: number): void;
}
