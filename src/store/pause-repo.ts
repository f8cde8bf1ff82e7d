/**
 * @module SQLite access for per-agent pause state (agent_pause).
 */
import type { Db } from './db.js';
import type { PauseRow, PauseStore } from './ports/pause.js';

export class PauseRepo implements PauseStore {
  readonly #all;
  readonly #upsert;
  readonly #delete;
  readonly #byUids;

  constructor(db: Db) {
    this.#byUids = db.prepare('SELECT * FROM agent_pause WHERE uid IN (SELECT value FROM json_each(?))');
    this.#all = db.prepare('SELECT * FROM agent_pause');
    this.#upsert = db.prepare(`
      INSERT INTO agent_pause (uid, method, state, change_id, prior_hash, pause_hash, error, updated_at)
      VALUES (@uid, @method, @state, @change_id, @prior_hash, @pause_hash, @error, @updated_at)
      ON CONFLICT(uid) DO UPDATE SET method = excluded.method, state = excluded.state, change_id = excluded.change_id,
        prior_hash = excluded.prior_hash, pause_hash = excluded.pause_hash, error = excluded.error, updated_at = excluded.updated_at`);
    this.#delete = db.prepare('DELETE FROM agent_pause WHERE uid = ?');
  }

  all(): PauseRow[] {
    return this.#all.all() as PauseRow[];
  }

  byUids(uids: readonly string[]): PauseRow[] {
    return this.#byUids.all(JSON.stringify(uids)) as PauseRow[];
  }

  upsert(row: PauseRow): void {
    this.#upsert.run(row);
  }

  delete(uid: string): void {
    this.#delete.run(uid);
  }
}
