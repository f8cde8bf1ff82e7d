/**
 * @module Verified credential rotations (one row per change request and agent, or per CSR
 * issuance) and server-certificate switches. Rows are written before anything is offered, so an
 * interrupted execution resumes from them. No secrets: credentials are referenced by id.
 */
import type { Db } from './db.js';
import type { RotationPatch, RotationRow, RotationsStore, ServerCertSwitchRow } from './ports/rotations.js';

export class RotationsRepo implements RotationsStore {
  readonly #insert;
  readonly #get;
  readonly #forChange;
  readonly #byChangeAgent;
  readonly #open;
  readonly #forAgent;
  readonly #rekey;
  readonly #getSwitch;
  readonly #putSwitch;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.#insert = db.prepare(`INSERT INTO credential_rotations
      (id, change_id, agent_uid, credential, state, old_credential_id, new_credential_id, attempt, offer_hash, deadline, detail, created_at, updated_at)
      VALUES (@id, @change_id, @agent_uid, @credential, @state, @old_credential_id, @new_credential_id, @attempt, @offer_hash, @deadline, @detail,
        @created_at, @updated_at)`);
    this.#get = db.prepare('SELECT * FROM credential_rotations WHERE id = ?');
    this.#forChange = db.prepare('SELECT * FROM credential_rotations WHERE change_id = ? ORDER BY agent_uid');
    this.#byChangeAgent = db.prepare('SELECT * FROM credential_rotations WHERE change_id = ? AND agent_uid = ?');
    this.#open = db.prepare("SELECT * FROM credential_rotations WHERE state = 'offering' ORDER BY created_at");
    this.#forAgent = db.prepare('SELECT * FROM credential_rotations WHERE agent_uid = ? ORDER BY created_at DESC, id LIMIT ?');
    this.#rekey = db.prepare('UPDATE credential_rotations SET agent_uid = ? WHERE agent_uid = ?');
    this.#getSwitch = db.prepare('SELECT * FROM server_cert_switches WHERE change_id = ?');
    this.#putSwitch = db.prepare(`INSERT INTO server_cert_switches (change_id, cert_fingerprint, state, detail, updated_at)
      VALUES (@change_id, @cert_fingerprint, @state, @detail, @updated_at)
      ON CONFLICT(change_id) DO UPDATE SET state = excluded.state, detail = excluded.detail, updated_at = excluded.updated_at`);
  }

  insert(row: Omit<RotationRow, 'created_at' | 'updated_at'>): RotationRow {
    const now = this.now();
    const full: RotationRow = { ...row, created_at: now, updated_at: now };
    this.#insert.run(full);
    return full;
  }

  get(id: string): RotationRow | undefined {
    return this.#get.get(id) as RotationRow | undefined;
  }

  forChange(changeId: string): RotationRow[] {
    return this.#forChange.all(changeId) as RotationRow[];
  }

  byChangeAgent(changeId: string, uid: string): RotationRow | undefined {
    return this.#byChangeAgent.get(changeId, uid) as RotationRow | undefined;
  }

  /** Every rotation still waiting for its agent. */
  open(): RotationRow[] {
    return this.#open.all() as RotationRow[];
  }

  forAgent(uid: string, limit = 20): RotationRow[] {
    return this.#forAgent.all(uid, limit) as RotationRow[];
  }

  update(id: string, patch: RotationPatch): RotationRow {
    const sets = Object.keys(patch).map((k) => `${k} = @${k}`);
    this.db
      .prepare(`UPDATE credential_rotations SET ${[...sets, 'updated_at = @updated_at'].join(', ')} WHERE id = @id`)
      .run({ ...patch, id, updated_at: this.now() });
    return this.get(id)!;
  }

  rekey(oldUid: string, newUid: string): void {
    this.#rekey.run(newUid, oldUid);
  }

  getSwitch(changeId: string): ServerCertSwitchRow | undefined {
    return this.#getSwitch.get(changeId) as ServerCertSwitchRow | undefined;
  }

  putSwitch(row: Omit<ServerCertSwitchRow, 'updated_at'>): void {
    this.#putSwitch.run({ ...row, updated_at: this.now() });
  }
}
