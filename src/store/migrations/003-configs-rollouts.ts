import type { Migration } from './index.js';

/**
 * Config catalog (immutable versions), remote-config payloads, per-agent desired config and the
 * history of attempts, staged rollouts, pause state and pending agent commands (restart).
 */
export const m003ConfigsRollouts: Migration = {
  version: 3,
  name: 'configs-rollouts',
  sql: `
    -- Named configs; versions are immutable once written.
    CREATE TABLE configs (
      name         TEXT PRIMARY KEY,
      description  TEXT NOT NULL DEFAULT '',
      content_type TEXT NOT NULL,
      -- Key of the single file in the AgentConfigMap sent to agents ('' is the most compatible).
      file_key     TEXT NOT NULL DEFAULT '',
      created_at   INTEGER NOT NULL,
      created_by   TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE config_versions (
      name         TEXT NOT NULL REFERENCES configs(name),
      version      INTEGER NOT NULL,
      content_type TEXT NOT NULL,
      body         TEXT NOT NULL,
      -- sha256 of the body alone, and the AgentRemoteConfig.config_hash agents echo back.
      sha256       TEXT NOT NULL,
      config_hash  TEXT NOT NULL,
      author       TEXT NOT NULL,
      author_name  TEXT NOT NULL,
      comment      TEXT NOT NULL DEFAULT '',
      created_at   INTEGER NOT NULL,
      PRIMARY KEY (name, version)
    ) WITHOUT ROWID;
    CREATE INDEX config_versions_hash ON config_versions(config_hash);

    -- Every config map ever assigned to an agent, by config_hash: catalog versions, generated
    -- "pause" configs and captured effective configs (restored on resume).
    CREATE TABLE remote_config_payloads (
      hash       TEXT PRIMARY KEY,
      files      TEXT NOT NULL,
      label      TEXT NOT NULL,
      created_at INTEGER NOT NULL
    ) WITHOUT ROWID;

    -- One attempt = one assignment of a config hash to one agent by one change request.
    CREATE TABLE config_attempts (
      id            INTEGER PRIMARY KEY,
      uid           TEXT NOT NULL,
      hash          TEXT NOT NULL REFERENCES remote_config_payloads(hash),
      change_id     TEXT NOT NULL,
      previous_hash TEXT,
      status        TEXT NOT NULL CHECK (status IN ('assigned','offered','applying','applied','failed','rolled_back','superseded')),
      error         TEXT NOT NULL DEFAULT '',
      effective_config_hash TEXT,
      created_at    INTEGER NOT NULL,
      offered_at    INTEGER,
      updated_at    INTEGER NOT NULL
    );
    CREATE INDEX config_attempts_uid ON config_attempts(uid, id);
    CREATE INDEX config_attempts_change ON config_attempts(change_id);
    -- Previews warn about agents on which a config failed before.
    CREATE INDEX config_attempts_bad ON config_attempts(hash) WHERE status IN ('failed','rolled_back');

    -- The desired remote config of each agent: a pointer to its current attempt.
    CREATE TABLE agent_desired_config (
      uid        TEXT PRIMARY KEY,
      attempt_id INTEGER NOT NULL REFERENCES config_attempts(id)
    ) WITHOUT ROWID;

    -- Staged rollouts (config_push, and the config fallback of pause/resume).
    CREATE TABLE rollouts (
      change_id   TEXT PRIMARY KEY,
      kind        TEXT NOT NULL,
      label       TEXT NOT NULL,
      state       TEXT NOT NULL CHECK (state IN ('running','halted','completed')),
      stage       INTEGER NOT NULL DEFAULT 0,
      stage_count INTEGER NOT NULL,
      options     TEXT NOT NULL,
      halt_reason TEXT,
      started_at  INTEGER NOT NULL,
      stage_started_at INTEGER NOT NULL,
      updated_at  INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE rollout_targets (
      change_id  TEXT NOT NULL REFERENCES rollouts(change_id),
      uid        TEXT NOT NULL,
      stage      INTEGER NOT NULL,
      hash       TEXT NOT NULL,
      attempt_id INTEGER REFERENCES config_attempts(id),
      -- healthy when the rollout started (1/0/NULL unknown): only a change to unhealthy halts.
      healthy_at_start INTEGER,
      PRIMARY KEY (change_id, uid)
    ) WITHOUT ROWID;

    -- Pause state per agent. method 'custom' uses io.opentelemetry.pause; 'config' pushed a
    -- no-pipeline config and remembers the prior config hash to restore on resume.
    CREATE TABLE agent_pause (
      uid         TEXT PRIMARY KEY,
      method      TEXT NOT NULL CHECK (method IN ('custom','config')),
      state       TEXT NOT NULL CHECK (state IN ('pausing','paused','resuming')),
      change_id   TEXT NOT NULL,
      prior_hash  TEXT,
      pause_hash  TEXT,
      error       TEXT NOT NULL DEFAULT '',
      updated_at  INTEGER NOT NULL
    ) WITHOUT ROWID;

    -- Commands (Restart) requested by change requests; sent at most once.
    CREATE TABLE agent_commands (
      id          INTEGER PRIMARY KEY,
      uid         TEXT NOT NULL,
      change_id   TEXT NOT NULL,
      kind        TEXT NOT NULL CHECK (kind IN ('restart')),
      status      TEXT NOT NULL CHECK (status IN ('pending','sent','confirmed','failed','expired')),
      seq_at_send TEXT,
      sent_at     INTEGER,
      detail      TEXT NOT NULL DEFAULT '',
      created_at  INTEGER NOT NULL,
      updated_at  INTEGER NOT NULL,
      UNIQUE (change_id, uid)
    );
    CREATE INDEX agent_commands_open ON agent_commands(status) WHERE status IN ('pending','sent');
  `,
};
