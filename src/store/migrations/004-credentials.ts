import type { Migration } from './index.js';

/**
 * Connection-settings offers, the credential each agent last authenticated with, verified
 * credential rotations and server-certificate switches. No table here holds a secret: offers are
 * remembered by hash, credentials by id (agent_credentials holds only hashes).
 */
export const m004Credentials: Migration = {
  version: 4,
  name: 'credentials',
  sql: `
    -- What was last offered to each agent in ConnectionSettingsOffers.opamp. Only the offer hash:
    -- the settings themselves carry secrets and live in memory while an offer is in flight.
    CREATE TABLE connection_offers (
      agent_uid  TEXT PRIMARY KEY,
      hash       TEXT NOT NULL,
      purpose    TEXT NOT NULL CHECK (purpose IN ('rotation','csr')),
      reference  TEXT NOT NULL,
      offered_at INTEGER NOT NULL,
      -- 1 once the agent reported a connection_settings_status for this hash (never re-offered then)
      acked      INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;

    -- The credential each agent last authenticated with; written when it changes, not per message.
    CREATE TABLE agent_auth_seen (
      agent_uid     TEXT PRIMARY KEY,
      method        TEXT NOT NULL,
      credential_id TEXT,
      seen_at       INTEGER NOT NULL
    ) WITHOUT ROWID;

    -- Verified rotations: one row per (change request, agent), or per CSR issuance (change_id NULL).
    -- Written before anything is offered, so execution resumes after a restart.
    CREATE TABLE credential_rotations (
      id                TEXT PRIMARY KEY,
      change_id         TEXT,
      agent_uid         TEXT NOT NULL,
      credential        TEXT NOT NULL CHECK (credential IN ('token','certificate','csr')),
      state             TEXT NOT NULL CHECK (state IN ('offering','rotated','failed')),
      old_credential_id TEXT,
      new_credential_id TEXT,
      attempt           INTEGER NOT NULL DEFAULT 1,
      offer_hash        TEXT,
      deadline          INTEGER NOT NULL,
      detail            TEXT NOT NULL DEFAULT '',
      created_at        INTEGER NOT NULL,
      updated_at        INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX credential_rotations_change_agent ON credential_rotations(change_id, agent_uid) WHERE change_id IS NOT NULL;
    CREATE INDEX credential_rotations_agent ON credential_rotations(agent_uid, state);

    -- Server-certificate rotations: the staged certificate is switched in only after the agents
    -- confirmed the new CA bundle.
    CREATE TABLE server_cert_switches (
      change_id        TEXT PRIMARY KEY,
      cert_fingerprint TEXT NOT NULL,
      state            TEXT NOT NULL CHECK (state IN ('offering','switched','aborted')),
      detail           TEXT NOT NULL DEFAULT '',
      updated_at       INTEGER NOT NULL
    ) WITHOUT ROWID;
  `,
};
