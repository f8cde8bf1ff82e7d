/**
 * @module PostgreSQL: per-agent pause state (agent_pause).
 */
import type { SyncPg } from './bridge.js';
import type { PauseRow, PauseStore } from '../ports/pause.js';

export class PgPauseRepo implements PauseStore {
  constructor(private readonly pg: SyncPg) {}

  all(): PauseRow[] {
    return this.pg.rows<PauseRow>('SELECT * FROM agent_pause');
  }

  byUids(uids: readonly string[]): PauseRow[] {
    return this.pg.rows<PauseRow>('SELECT * FROM agent_pause WHERE uid = ANY($1::text[])', [uids]);
  }

  upsert(row: PauseRow): void {
    this.pg.run(
      `INSERT INTO agent_pause (uid, method, state, change_id, prior_hash, pause_hash, error, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (uid) DO UPDATE SET method = excluded.method, state = excluded.state, change_id = excluded.change_id,
         prior_hash = excluded.prior_hash, pause_hash = excluded.pause_hash, error = excluded.error, updated_at = excluded.updated_at`,
      [row.uid, row.method, row.state, row.change_id, row.prior_hash, row.pause_hash, row.error, row.updated_at],
      'pause',
      [row.uid],
    );
  }

  delete(uid: string): void {
    this.pg.run('DELETE FROM agent_pause WHERE uid = $1', [uid], 'pause', [uid]);
  }
}
