import type { Migration } from './index.js';

/** Change requests, their approvals and per-agent outcomes, and the hash-chained audit log. */
export const m002Changes: Migration = {
  version: 2,
  name: 'changes',
  sql: `
    -- One row per change request. JSON columns hold exactly what the executor planned at proposal
    -- time (pinned params, resolved targets, preview); they never contain secrets.
    CREATE TABLE change_requests (
      id                  INTEGER PRIMARY KEY AUTOINCREMENT,
      kind                TEXT NOT NULL,
      state               TEXT NOT NULL CHECK (state IN ('pending','approved','rejected','expired','cancelled','executing',
                                                 'succeeded','partially_failed','failed')),
      requester_key       TEXT NOT NULL,
      requester           TEXT NOT NULL,
      channel             TEXT NOT NULL,
      llm_originated      INTEGER NOT NULL,
      reason              TEXT NOT NULL,
      target              TEXT NOT NULL,
      params              TEXT NOT NULL,
      targets             TEXT NOT NULL,
      ineligible          TEXT NOT NULL,
      payload_fingerprint TEXT NOT NULL,
      fingerprint         TEXT NOT NULL,
      risk                TEXT NOT NULL CHECK (risk IN ('low','medium','high')),
      required_approvals  INTEGER NOT NULL CHECK (required_approvals >= 1),
      preview             TEXT NOT NULL,
      idempotency_key     TEXT NOT NULL,
      created_at          INTEGER NOT NULL,
      expires_at          INTEGER NOT NULL,
      updated_at          INTEGER NOT NULL,
      result_summary      TEXT,
      -- Set while a fully approved request waits for a change freeze to end.
      held_reason         TEXT,
      held_until          INTEGER
    );
    CREATE INDEX change_requests_state ON change_requests(state, expires_at);
    CREATE INDEX change_requests_requester ON change_requests(requester_key, id);
    -- At most one open request per idempotency key: a repeated proposal returns the open one.
    CREATE UNIQUE INDEX change_requests_open_key ON change_requests(idempotency_key)
      WHERE state IN ('pending','approved','executing');

    CREATE TABLE change_approvals (
      seq           INTEGER PRIMARY KEY AUTOINCREMENT,
      request_id    INTEGER NOT NULL REFERENCES change_requests(id),
      principal_key TEXT NOT NULL,
      -- The person behind the principal (policy identities map), for distinct-approver counting.
      person        TEXT NOT NULL,
      principal     TEXT NOT NULL,
      decision      TEXT NOT NULL CHECK (decision IN ('approve','reject')),
      comment       TEXT NOT NULL,
      fingerprint   TEXT NOT NULL,
      channel       TEXT NOT NULL,
      at            INTEGER NOT NULL
    );
    CREATE INDEX change_approvals_request ON change_approvals(request_id);

    -- Latest outcome per agent of a request; the audit log keeps the history.
    CREATE TABLE change_outcomes (
      request_id INTEGER NOT NULL REFERENCES change_requests(id),
      uid        TEXT NOT NULL,
      status     TEXT NOT NULL,
      detail     TEXT NOT NULL,
      at         INTEGER NOT NULL,
      PRIMARY KEY (request_id, uid)
    ) WITHOUT ROWID;

    -- Append-only, hash-chained: hash = sha256(prev_hash || canonical JSON of the row content).
    -- seq is assigned contiguously by the writer (1, 2, 3, ...), so a removed row is detectable.
    CREATE TABLE audit_log (
      seq        INTEGER PRIMARY KEY,
      at         TEXT NOT NULL,
      actor      TEXT NOT NULL,
      action     TEXT NOT NULL,
      request_id TEXT,
      data       TEXT NOT NULL,
      prev_hash  TEXT NOT NULL,
      hash       TEXT NOT NULL
    );
    CREATE INDEX audit_log_request ON audit_log(request_id);
    -- Guard rails against accidental edits by code; a deliberate tamperer can drop them, which is
    -- what the hash chain is for.
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
  `,
};
