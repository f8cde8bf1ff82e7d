import type { Migration } from './index.js';

/**
 * Web console sessions (an API token exchanged for a cookie) and an index for "change requests
 * that touched this agent". Only a SHA-256 of each session secret is stored.
 */
export const m007ConsoleSessions: Migration = {
  version: 7,
  name: 'console-sessions',
  sql: `
    CREATE TABLE console_sessions (
      id_hash      TEXT PRIMARY KEY,
      token_id     TEXT NOT NULL REFERENCES api_tokens(id),
      created_at   INTEGER NOT NULL,
      last_seen_at INTEGER NOT NULL,
      expires_at   INTEGER NOT NULL,
      ended_at     INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX console_sessions_token ON console_sessions(token_id);

    CREATE INDEX change_outcomes_uid ON change_outcomes(uid, request_id);
  `,
};
