import type { Migration } from './index.js';

/**
 * Replicas (issue 17): several `ampgate serve` processes on one PostgreSQL database. SQLite gets
 * the same schema (one source of truth) and leaves these columns empty: it is one process.
 */
export const m008Replicas: Migration = {
  version: 8,
  name: 'replicas',
  sql: `
    -- One row per replica that ever started. A replica is alive while its database session holds
    -- the advisory lock numbered lock_key (released by the database when the session ends).
    CREATE TABLE replicas (
      id          TEXT PRIMARY KEY,
      lock_key    INTEGER NOT NULL UNIQUE,
      host        TEXT NOT NULL,
      pid         INTEGER NOT NULL,
      started_at  INTEGER NOT NULL,
      opamp_url   TEXT,
      control_url TEXT,
      stopped_at  INTEGER
    );

    -- The replica holding a connected agent's WebSocket (NULL: not connected, or polling over HTTP
    -- through whichever replica). When a replica dies, its agents are marked disconnected.
    ALTER TABLE agents ADD COLUMN replica TEXT;
    CREATE INDEX agents_replica ON agents(replica) WHERE replica IS NOT NULL;
    -- The cluster's sweep of HTTP agents that stopped polling.
    CREATE INDEX agents_http_live ON agents(last_seen) WHERE transport = 'http' AND disconnected_at IS NULL;

    -- The replica running an executing change request; a survivor takes over when it dies.
    ALTER TABLE change_requests ADD COLUMN executor TEXT;
  `,
};
