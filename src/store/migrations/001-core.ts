import type { Migration } from './index.js';

/** Agents, API tokens, agent credentials and server metadata. */
export const m001Core: Migration = {
  version: 1,
  name: 'core',
  sql: `
    CREATE TABLE meta (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) WITHOUT ROWID;

    -- One row per agent instance uid (UUID text). Large sub-documents are stored as JSON text,
    -- exactly as the registry holds them in memory. Liveness is not stored per heartbeat:
    -- last_seen is written with other changes and in a periodic batch.
    CREATE TABLE agents (
      uid                        TEXT PRIMARY KEY,
      first_seen                 INTEGER NOT NULL,
      last_seen                  INTEGER NOT NULL,
      transport                  TEXT,
      capabilities               TEXT NOT NULL DEFAULT '0',
      description                TEXT,
      health                     TEXT,
      effective_config           TEXT,
      effective_config_hash      TEXT,
      remote_config_status       TEXT,
      package_statuses           TEXT,
      available_components       TEXT,
      custom_capabilities        TEXT,
      connection_settings_status TEXT,
      disconnected_at            INTEGER
    ) WITHOUT ROWID;

    -- Control-plane API tokens. Only a SHA-256 of the secret is stored.
    CREATE TABLE api_tokens (
      id          TEXT PRIMARY KEY,
      name        TEXT NOT NULL,
      role        TEXT NOT NULL CHECK (role IN ('viewer','proposer','approver','admin')),
      secret_hash TEXT NOT NULL UNIQUE,
      created_at  INTEGER NOT NULL,
      revoked_at  INTEGER
    );

    -- Agent-facing credentials: shared enrollment tokens and per-agent tokens. Only hashes.
    CREATE TABLE agent_credentials (
      id          TEXT PRIMARY KEY,
      kind        TEXT NOT NULL CHECK (kind IN ('enrollment','agent_token','client_cert')),
      secret_hash TEXT NOT NULL UNIQUE,
      fingerprint TEXT NOT NULL,
      agent_uid   TEXT,
      created_at  INTEGER NOT NULL,
      expires_at  INTEGER,
      revoked_at  INTEGER,
      last_used_at INTEGER
    );
    CREATE INDEX agent_credentials_agent ON agent_credentials(agent_uid);
  `,
};
