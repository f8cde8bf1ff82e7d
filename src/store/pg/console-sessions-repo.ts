/**
 * @module PostgreSQL: web console sessions, keyed by the SHA-256 of their secret.
 */
import type { SyncPg } from './bridge.js';
import type { ConsoleSessionRow, ConsoleSessionsStore } from '../ports/console-sessions.js';

export class PgConsoleSessionsRepo implements ConsoleSessionsStore {
  constructor(private readonly pg: SyncPg) {}

  insert(row: Omit<ConsoleSessionRow, 'ended_at'>): void {
    this.pg.run('INSERT INTO console_sessions (id_hash, token_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [
      row.id_hash,
      row.token_id,
      row.created_at,
      row.last_seen_at,
      row.expires_at,
    ]);
  }

  get(idHash: string): ConsoleSessionRow | undefined {
    return this.pg.row<ConsoleSessionRow>('SELECT * FROM console_sessions WHERE id_hash = $1', [idHash]);
  }

  touch(idHash: string, now: number): void {
    this.pg.later([{ sql: 'UPDATE console_sessions SET last_seen_at = $1 WHERE id_hash = $2 AND ended_at IS NULL', params: [now, idHash] }]);
  }

  end(idHash: string, now: number): boolean {
    return this.pg.run('UPDATE console_sessions SET ended_at = $1 WHERE id_hash = $2 AND ended_at IS NULL', [now, idHash]) > 0;
  }

  purge(before: number): number {
    return this.pg.run('DELETE FROM console_sessions WHERE expires_at < $1 OR (ended_at IS NOT NULL AND ended_at < $1)', [before]);
  }
}
