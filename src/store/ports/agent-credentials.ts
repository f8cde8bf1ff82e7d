/**
 * @module Port: agent credentials (`agent_credentials`): enrollment tokens, per-agent tokens and
 * registered client certificates, stored by hash only. The rules (validity, bootstrap, identity
 * binding) live in src/creds/agent-credentials.ts.
 */

export type CredentialKind = 'enrollment' | 'agent_token' | 'client_cert';

export interface CredentialRow {
  id: string;
  kind: CredentialKind;
  secret_hash: string;
  fingerprint: string;
  agent_uid: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  /** First time a connection authenticated with it (set once; never updated per message). */
  last_used_at: number | null;
}

export interface AgentCredentialsStore {
  byHash(hash: string): CredentialRow | undefined;
  byId(id: string): CredentialRow | undefined;
  insert(row: CredentialRow): void;
  revoke(id: string, at: number): boolean;
  activeCount(kind: CredentialKind): number;
  forAgent(uid: string): CredentialRow[];
  rebind(oldUid: string, newUid: string): number;
  ofKind(kind: CredentialKind): CredentialRow[];
  /** Records the first use of a credential; false when it was already recorded. */
  markUsed(id: string, at: number): boolean;
  /** uids that have an unrevoked per-agent credential which has been used at least once. */
  usedBoundUids(): string[];
}
