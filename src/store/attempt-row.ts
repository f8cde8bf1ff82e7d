/**
 * @module The config attempt row as `assign` inserts it (column defaults spelled out), shared by
 * the SQLite and PostgreSQL repositories: a rollout assigns thousands of agents in one
 * transaction, so neither reads the row back.
 */
import type { AttemptRow } from './ports/remote-config.js';

export function assignedAttempt(id: number, uid: string, hash: string, changeId: string, previousHash: string | null, now: number): AttemptRow {
  return {
    id,
    uid,
    hash,
    change_id: changeId,
    previous_hash: previousHash,
    status: 'assigned',
    error: '',
    effective_config_hash: null,
    created_at: now,
    offered_at: null,
    updated_at: now,
  };
}
