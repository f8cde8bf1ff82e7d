/**
 * @module SQLite access for remote config delivery: payloads by config hash, per-agent attempts
 * (the history of every hash assigned to an agent and how it ended) and the desired-config pointer
 * of each agent.
 */
import { assignedAttempt } from './attempt-row.js';
import type { Db } from './db.js';
import type { AttemptRow, AttemptStatus, PayloadRow, RemoteConfigStore } from './ports/remote-config.js';

export class RemoteConfigRepo implements RemoteConfigStore {
  readonly #putPayload;
  readonly #payload;
  readonly #insertAttempt;
  readonly #attempt;
  readonly #setDesired;
  readonly #desiredAll;
  readonly #update;
  readonly #history;
  readonly #byChange;
  readonly #hashOutcomes;

  readonly #rekey;
  readonly #desiredFor;

  constructor(db: Db) {
    this.#desiredFor = db.prepare(
      'SELECT a.* FROM agent_desired_config d JOIN config_attempts a ON a.id = d.attempt_id WHERE d.uid IN (SELECT value FROM json_each(?))',
    );
    this.#putPayload = db.prepare('INSERT OR IGNORE INTO remote_config_payloads (hash, files, label, created_at) VALUES (?, ?, ?, ?)');
    this.#payload = db.prepare('SELECT * FROM remote_config_payloads WHERE hash = ?');
    this.#insertAttempt = db.prepare(
      "INSERT INTO config_attempts (uid, hash, change_id, previous_hash, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'assigned', ?, ?)",
    );
    this.#attempt = db.prepare('SELECT * FROM config_attempts WHERE id = ?');
    this.#setDesired = db.prepare(
      'INSERT INTO agent_desired_config (uid, attempt_id) VALUES (?, ?) ON CONFLICT(uid) DO UPDATE SET attempt_id = excluded.attempt_id',
    );
    this.#desiredAll = db.prepare('SELECT a.* FROM agent_desired_config d JOIN config_attempts a ON a.id = d.attempt_id');
    this.#update = db.prepare('UPDATE config_attempts SET status = ?, error = ?, effective_config_hash = ?, offered_at = ?, updated_at = ? WHERE id = ?');
    this.#history = db.prepare('SELECT * FROM config_attempts WHERE uid = ? ORDER BY id DESC LIMIT ?');
    this.#byChange = db.prepare('SELECT * FROM config_attempts WHERE change_id = ? ORDER BY uid');
    this.#rekey = db.transaction((oldUid: string, newUid: string) => {
      db.prepare('UPDATE config_attempts SET uid = ? WHERE uid = ?').run(newUid, oldUid);
      db.prepare('UPDATE agent_desired_config SET uid = ? WHERE uid = ?').run(newUid, oldUid);
    });
    this.#hashOutcomes = db.prepare("SELECT uid, status, error FROM config_attempts WHERE hash = ? AND status IN ('failed','rolled_back')");
  }

  putPayload(hash: string, filesJson: string, label: string, now: number): void {
    this.#putPayload.run(hash, filesJson, label, now);
  }

  payload(hash: string): PayloadRow | undefined {
    return this.#payload.get(hash) as PayloadRow | undefined;
  }

  /** Creates an attempt in state 'assigned' and points the agent's desired config at it. */
  assign(uid: string, hash: string, changeId: string, previousHash: string | null, now: number): AttemptRow {
    const id = Number(this.#insertAttempt.run(uid, hash, changeId, previousHash, now, now).lastInsertRowid);
    this.#setDesired.run(uid, id);
    return assignedAttempt(id, uid, hash, changeId, previousHash, now);
  }

  attempt(id: number): AttemptRow | undefined {
    return this.#attempt.get(id) as AttemptRow | undefined;
  }

  /** The current desired attempt of every agent that has one. */
  desiredAll(): AttemptRow[] {
    return this.#desiredAll.all() as AttemptRow[];
  }

  desiredFor(uids: readonly string[]): AttemptRow[] {
    return this.#desiredFor.all(JSON.stringify(uids)) as AttemptRow[];
  }

  update(a: AttemptRow): void {
    this.#update.run(a.status, a.error, a.effective_config_hash, a.offered_at, a.updated_at, a.id);
  }

  history(uid: string, limit = 50): AttemptRow[] {
    return this.#history.all(uid, limit) as AttemptRow[];
  }

  byChange(changeId: string): AttemptRow[] {
    return this.#byChange.all(changeId) as AttemptRow[];
  }

  /** Agents on which `hash` failed or was rolled back (shown in previews as a warning). */
  rekey(oldUid: string, newUid: string): void {
    this.#rekey(oldUid, newUid);
  }

  badOutcomes(hash: string): Array<{ uid: string; status: AttemptStatus; error: string }> {
    return this.#hashOutcomes.all(hash) as Array<{ uid: string; status: AttemptStatus; error: string }>;
  }
}
