/**
 * @module PostgreSQL: verified credential rotations and server-certificate switches.
 */
import type { SyncPg } from './bridge.js';
import type { RotationPatch, RotationRow, RotationsStore, ServerCertSwitchRow } from '../ports/rotations.js';

const PATCHABLE = new Set(['state', 'new_credential_id', 'attempt', 'offer_hash', 'deadline', 'detail']);

export class PgRotationsRepo implements RotationsStore {
  constructor(
    private readonly pg: SyncPg,
    private readonly now: () => number = Date.now,
  ) {}

  insert(row: Omit<RotationRow, 'created_at' | 'updated_at'>): RotationRow {
    const now = this.now();
    const full: RotationRow = { ...row, created_at: now, updated_at: now };
    this.pg.run(
      `INSERT INTO credential_rotations
        (id, change_id, agent_uid, credential, state, old_credential_id, new_credential_id, attempt, offer_hash, deadline, detail, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        full.id,
        full.change_id,
        full.agent_uid,
        full.credential,
        full.state,
        full.old_credential_id,
        full.new_credential_id,
        full.attempt,
        full.offer_hash,
        full.deadline,
        full.detail,
        full.created_at,
        full.updated_at,
      ],
      'rotation',
      [full.agent_uid],
    );
    return full;
  }

  get(id: string): RotationRow | undefined {
    return this.pg.row<RotationRow>('SELECT * FROM credential_rotations WHERE id = $1', [id]);
  }

  forChange(changeId: string): RotationRow[] {
    return this.pg.rows<RotationRow>('SELECT * FROM credential_rotations WHERE change_id = $1 ORDER BY agent_uid', [changeId]);
  }

  byChangeAgent(changeId: string, uid: string): RotationRow | undefined {
    return this.pg.row<RotationRow>('SELECT * FROM credential_rotations WHERE change_id = $1 AND agent_uid = $2', [changeId, uid]);
  }

  open(): RotationRow[] {
    return this.pg.rows<RotationRow>("SELECT * FROM credential_rotations WHERE state = 'offering' ORDER BY created_at, id");
  }

  forAgent(uid: string, limit = 20): RotationRow[] {
    return this.pg.rows<RotationRow>('SELECT * FROM credential_rotations WHERE agent_uid = $1 ORDER BY created_at DESC, id LIMIT $2', [uid, limit]);
  }

  update(id: string, patch: RotationPatch): RotationRow {
    const keys = Object.keys(patch).filter((k) => PATCHABLE.has(k)) as Array<keyof RotationPatch>;
    const sets = keys.map((k, i) => `${k} = $${i + 3}`);
    const row = this.pg.row<RotationRow>(`UPDATE credential_rotations SET ${['updated_at = $2', ...sets].join(', ')} WHERE id = $1 RETURNING *`, [
      id,
      this.now(),
      ...keys.map((k) => patch[k]),
    ])!;
    this.pg.note('rotation', [row.agent_uid]);
    return row;
  }

  rekey(oldUid: string, newUid: string): void {
    this.pg.run('UPDATE credential_rotations SET agent_uid = $1 WHERE agent_uid = $2', [newUid, oldUid], 'rotation', [oldUid, newUid]);
  }

  getSwitch(changeId: string): ServerCertSwitchRow | undefined {
    return this.pg.row<ServerCertSwitchRow>('SELECT * FROM server_cert_switches WHERE change_id = $1', [changeId]);
  }

  putSwitch(row: Omit<ServerCertSwitchRow, 'updated_at'>): void {
    this.pg.run(
      `INSERT INTO server_cert_switches (change_id, cert_fingerprint, state, detail, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (change_id) DO UPDATE SET state = excluded.state, detail = excluded.detail, updated_at = excluded.updated_at`,
      [row.change_id, row.cert_fingerprint, row.state, row.detail, this.now()],
    );
  }
}
