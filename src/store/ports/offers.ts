/**
 * @module Port: What each agent was last offered in ConnectionSettingsOffers (by hash; the settings
 * carry secrets and are never stored) and which credential each agent last authenticated with.
 * Both are cached in memory and written only when they change, never per message.
 */

export interface OfferedRow {
  agent_uid: string;
  hash: string;
  purpose: 'rotation' | 'csr';
  reference: string;
  offered_at: number;
  acked: number;
}

export interface AuthSeenRow {
  agent_uid: string;
  method: string;
  credential_id: string | null;
  seen_at: number;
}

export interface OffersStore {
  offered(uid: string): OfferedRow | undefined;
  markOffered(row: OfferedRow): void;
  /** The agent reported a status for `hash`: it has seen that offer. */
  ack(uid: string, hash: string): void;
  authSeen(uid: string): AuthSeenRow | undefined;
  /** Records the credential an agent authenticated with; returns true when it changed. */
  recordAuth(uid: string, method: string, credentialId: string | null, at: number): boolean;
  rekey(oldUid: string, newUid: string): void;
  /** Re-reads what is cached for these agents (another replica wrote it); 'all' for everything. */
  reload(uids: readonly string[] | 'all'): void;
}
