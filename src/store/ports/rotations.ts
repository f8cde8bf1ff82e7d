/**
 * @module Port: Verified credential rotations (one row per change request and agent, or per CSR
 * issuance) and server-certificate switches. Rows are written before anything is offered, so an
 * interrupted execution resumes from them. No secrets: credentials are referenced by id.
 */

export type RotationCredential = 'token' | 'certificate' | 'csr';

export type RotationState = 'offering' | 'rotated' | 'failed';

export interface RotationRow {
  id: string;
  change_id: string | null;
  agent_uid: string;
  credential: RotationCredential;
  state: RotationState;
  old_credential_id: string | null;
  new_credential_id: string | null;
  attempt: number;
  offer_hash: string | null;
  deadline: number;
  detail: string;
  created_at: number;
  updated_at: number;
}

export type RotationPatch = Partial<Pick<RotationRow, 'state' | 'new_credential_id' | 'attempt' | 'offer_hash' | 'deadline' | 'detail'>>;

export interface ServerCertSwitchRow {
  change_id: string;
  cert_fingerprint: string;
  state: 'offering' | 'switched' | 'aborted';
  detail: string;
  updated_at: number;
}

export interface RotationsStore {
  insert(row: Omit<RotationRow, 'created_at' | 'updated_at'>): RotationRow;
  get(id: string): RotationRow | undefined;
  forChange(changeId: string): RotationRow[];
  byChangeAgent(changeId: string, uid: string): RotationRow | undefined;
  /** Every rotation still waiting for its agent. */
  open(): RotationRow[];
  forAgent(uid: string, limit?: number): RotationRow[];
  update(id: string, patch: RotationPatch): RotationRow;
  rekey(oldUid: string, newUid: string): void;
  getSwitch(changeId: string): ServerCertSwitchRow | undefined;
  putSwitch(row: Omit<ServerCertSwitchRow, 'updated_at'>): void;
}
