/**
 * @module SQL for web console sessions. A session is keyed by the SHA-256 of its secret (the
 * cookie value); the secret itself is never stored.
 */
import type { Db } from './db.js';
import type { ConsoleSessionRow, ConsoleSessionsStore } from './ports/console-sessions.js';

export class ConsoleSessionsRepo implements ConsoleSessionsStore {
  readonly #insert;
  readonly #get;
  readonly #touch;
  readonly #end;
  readonly #purge;

  constructor(db: Db) {
    this.#insert = db.prepare('INSERT INTO console_sessions (id_hash, token_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)');
    this.#get = db.prepare('SELECT * FROM console_sessions WHERE id_hash = ?');
    this.#touch = db.prepare('UPDATE console_sessions SET last_seen_at = ? WHERE id_hash = ? AND ended_at IS NULL');
    this.#end = db.prepare('UPDATE console_sessions SET ended_at = ? WHERE id_hash = ? AND ended_at IS NULL');
    this.#purge = db.prepare('DELETE FROM console_sessions WHERE expires_at < ? OR (ended_at IS NOT NULL AND ended_at < ?)');
  }

  insert(row: Omit<ConsoleSessionRow, 'ended_at'>): void {
    this.#insert.run(row.id_hash, row.token_id, row.created_at, row.last_seen_at, row.expires_at);
  }

  get(idHash: string): ConsoleSessionRow | undefined {
    return this.#get.get(idHash) as ConsoleSessionRow | undefined;
  }

  touch(idHash: string, now: number): void {
    this.#touch.run(now, idHash);
  }

  end(idHash: string, now: number): boolean {
    return this.#end.run(now, idHash).changes > 0;
  }

  /** Removes sessions that ended or expired before `before`. */
  purge(before: number): number {
    return this.#purge.run(before, before).changes;
  }
}
