/**
 * @module PostgreSQL: remote config delivery, payloads by config hash, per-agent attempts and the
 * desired-config pointer of each agent.
 */
import { assignedAttempt } from '../attempt-row.js';
import type { SyncPg } from './bridge.js';
import type { AttemptRow, AttemptStatus, PayloadRow, RemoteConfigStore } from '../ports/remote-config.js';

export class PgRemoteConfigRepo implements RemoteConfigStore {
  constructor(private readonly pg: SyncPg) {}

  putPayload(hash: string, filesJson: string, label: string, now: number): void {
    this.pg.run('INSERT INTO remote_config_payloads (hash, files, label, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (hash) DO NOTHING', [
      hash,
      filesJson,
      label,
      now,
    ]);
  }

  payload(hash: string): PayloadRow | undefined {
    return this.pg.row<PayloadRow>('SELECT * FROM remote_config_payloads WHERE hash = $1', [hash]);
  }

  assign(uid: string, hash: string, changeId: string, previousHash: string | null, now: number): AttemptRow {
    const [inserted] = this.pg.batch(
      [
        {
          sql: `WITH a AS (
                  INSERT INTO config_attempts (uid, hash, change_id, previous_hash, status, created_at, updated_at)
                  VALUES ($1, $2, $3, $4, 'assigned', $5, $5) RETURNING id)
                INSERT INTO agent_desired_config (uid, attempt_id) SELECT $1, id FROM a
                ON CONFLICT (uid) DO UPDATE SET attempt_id = excluded.attempt_id RETURNING attempt_id`,
          params: [uid, hash, changeId, previousHash, now],
        },
      ],
      'attempt',
      [uid],
    );
    const id = Number((inserted!.rows[0] as { attempt_id: number }).attempt_id);
    return assignedAttempt(id, uid, hash, changeId, previousHash, now);
  }

  attempt(id: number): AttemptRow | undefined {
    return this.pg.row<AttemptRow>('SELECT * FROM config_attempts WHERE id = $1', [id]);
  }

  desiredAll(): AttemptRow[] {
    return this.pg.rows<AttemptRow>('SELECT a.* FROM agent_desired_config d JOIN config_attempts a ON a.id = d.attempt_id');
  }

  desiredFor(uids: readonly string[]): AttemptRow[] {
    return this.pg.rows<AttemptRow>('SELECT a.* FROM agent_desired_config d JOIN config_attempts a ON a.id = d.attempt_id WHERE d.uid = ANY($1::text[])', [
      uids,
    ]);
  }

  /**
   * An attempt another replica superseded or rolled back is never moved back to assigned or
   * offered by a replica that had not heard of it yet (its delivery mark arrives late).
   */
  update(a: AttemptRow): void {
    this.pg.defer(
      `UPDATE config_attempts SET status = $1, error = $2, effective_config_hash = $3, offered_at = $4, updated_at = $5
       WHERE id = $6 AND NOT (status IN ('superseded','rolled_back') AND $1 IN ('assigned','offered','applying'))
         AND NOT (status = 'superseded' AND $1 <> 'superseded')`,
      [a.status, a.error, a.effective_config_hash, a.offered_at, a.updated_at, a.id],
      'attempt',
      [a.uid],
    );
  }

  history(uid: string, limit = 50): AttemptRow[] {
    return this.pg.rows<AttemptRow>('SELECT * FROM config_attempts WHERE uid = $1 ORDER BY id DESC LIMIT $2', [uid, limit]);
  }

  byChange(changeId: string): AttemptRow[] {
    return this.pg.rows<AttemptRow>('SELECT * FROM config_attempts WHERE change_id = $1 ORDER BY uid, id', [changeId]);
  }

  rekey(oldUid: string, newUid: string): void {
    this.pg.batch(
      [
        { sql: 'UPDATE config_attempts SET uid = $1 WHERE uid = $2', params: [newUid, oldUid] },
        { sql: 'UPDATE agent_desired_config SET uid = $1 WHERE uid = $2', params: [newUid, oldUid] },
      ],
      'attempt',
      [oldUid, newUid],
    );
  }

  badOutcomes(hash: string): Array<{ uid: string; status: AttemptStatus; error: string }> {
    return this.pg.rows("SELECT uid, status, error FROM config_attempts WHERE hash = $1 AND status IN ('failed','rolled_back')", [hash]);
  }
}
