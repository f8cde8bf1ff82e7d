/**
 * @module Port: per-agent pause state (agent_pause).
 */

export type PauseMethod = 'custom' | 'config';

export type PauseStateName = 'pausing' | 'paused' | 'resuming';

export interface PauseRow {
  readonly uid: string;
  readonly method: PauseMethod;
  readonly state: PauseStateName;
  readonly change_id: string;
  /** Fallback only: the config hash to restore on resume. */
  readonly prior_hash: string | null;
  /** Fallback only: the hash of the stand-in config. */
  readonly pause_hash: string | null;
  readonly error: string;
  readonly updated_at: number;
}

export interface PauseStore {
  all(): PauseRow[];
  byUids(uids: readonly string[]): PauseRow[];
  upsert(row: PauseRow): void;
  delete(uid: string): void;
}
