/**
 * @module Port: remote config delivery: payloads by config hash, per-agent attempts
 * (the history of every hash assigned to an agent and how it ended) and the desired-config pointer
 * of each agent.
 */

const ATTEMPT_STATUSES = ['assigned', 'offered', 'applying', 'applied', 'failed', 'rolled_back', 'superseded'] as const;

export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

export interface AttemptRow {
  readonly id: number;
  readonly uid: string;
  readonly hash: string;
  readonly change_id: string;
  readonly previous_hash: string | null;
  readonly status: AttemptStatus;
  readonly error: string;
  readonly effective_config_hash: string | null;
  readonly created_at: number;
  readonly offered_at: number | null;
  readonly updated_at: number;
}

export interface PayloadRow {
  readonly hash: string;
  readonly files: string;
  readonly label: string;
  readonly created_at: number;
}

export interface RemoteConfigStore {
  putPayload(hash: string, filesJson: string, label: string, now: number): void;
  payload(hash: string): PayloadRow | undefined;
  /** Creates an attempt in state 'assigned' and points the agent's desired config at it. */
  assign(uid: string, hash: string, changeId: string, previousHash: string | null, now: number): AttemptRow;
  attempt(id: number): AttemptRow | undefined;
  /** The current desired attempt of every agent that has one. */
  desiredAll(): AttemptRow[];
  /** The current desired attempt of these agents (those that have one). */
  desiredFor(uids: readonly string[]): AttemptRow[];
  update(a: AttemptRow): void;
  history(uid: string, limit?: number): AttemptRow[];
  byChange(changeId: string): AttemptRow[];
  /** Moves an agent's attempts and desired config to a new instance uid, in one transaction. */
  rekey(oldUid: string, newUid: string): void;
  /** Agents on which `hash` failed or was rolled back (shown in previews as a warning). */
  badOutcomes(hash: string): Array<{
    uid: string;
    status: AttemptStatus;
    error: string;
  }>;
}
