/**
 * @module Port: web console sessions. A session is keyed by the SHA-256 of its secret (the
 * cookie value); the secret itself is never stored.
 */

export interface ConsoleSessionRow {
  id_hash: string;
  token_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  ended_at: number | null;
}

export interface ConsoleSessionsStore {
  insert(row: Omit<ConsoleSessionRow, 'ended_at'>): void;
  get(idHash: string): ConsoleSessionRow | undefined;
  touch(idHash: string, now: number): void;
  end(idHash: string, now: number): boolean;
  /** Removes sessions that ended or expired before `before`. */
  purge(before: number): number;
}
