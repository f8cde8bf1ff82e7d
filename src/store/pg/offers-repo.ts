/**
 * @module PostgreSQL: what each agent was last offered in ConnectionSettingsOffers (by hash) and
 * which credential each agent last authenticated with. Cached in memory like the SQLite store's,
 * written only when they change; rows another replica writes are re-read through `reload`.
 */
import type { SyncPg } from './bridge.js';
import type { AuthSeenRow, OfferedRow, OffersStore } from '../ports/offers.js';

export class PgOffersRepo implements OffersStore {
  readonly #offered = new Map<string, OfferedRow>();
  readonly #seen = new Map<string, AuthSeenRow>();

  constructor(private readonly pg: SyncPg) {
    for (const r of pg.rows<OfferedRow>('SELECT * FROM connection_offers')) this.#offered.set(r.agent_uid, r);
    for (const r of pg.rows<AuthSeenRow>('SELECT * FROM agent_auth_seen')) this.#seen.set(r.agent_uid, r);
  }

  /** Re-reads the rows of these agents (another replica wrote them); 'all' re-reads everything. */
  reload(uids: readonly string[] | 'all'): void {
    const filter = uids === 'all' ? '' : ' WHERE agent_uid = ANY($1::text[])';
    const params = uids === 'all' ? [] : [uids];
    const offered = this.pg.rows<OfferedRow>(`SELECT * FROM connection_offers${filter}`, params);
    const seen = this.pg.rows<AuthSeenRow>(`SELECT * FROM agent_auth_seen${filter}`, params);
    if (uids === 'all') {
      this.#offered.clear();
      this.#seen.clear();
    } else {
      for (const u of uids) {
        this.#offered.delete(u);
        this.#seen.delete(u);
      }
    }
    for (const r of offered) this.#offered.set(r.agent_uid, r);
    for (const r of seen) this.#seen.set(r.agent_uid, r);
  }

  offered(uid: string): OfferedRow | undefined {
    return this.#offered.get(uid);
  }

  markOffered(row: OfferedRow): void {
    this.#offered.set(row.agent_uid, row);
    this.pg.run(
      `INSERT INTO connection_offers (agent_uid, hash, purpose, reference, offered_at, acked) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (agent_uid) DO UPDATE SET hash = excluded.hash, purpose = excluded.purpose, reference = excluded.reference,
         offered_at = excluded.offered_at, acked = excluded.acked`,
      [row.agent_uid, row.hash, row.purpose, row.reference, row.offered_at, row.acked],
      'offer',
      [row.agent_uid],
    );
  }

  ack(uid: string, hash: string): void {
    const row = this.#offered.get(uid);
    if (!row || row.hash !== hash || row.acked) return;
    row.acked = 1;
    this.pg.run('UPDATE connection_offers SET acked = 1 WHERE agent_uid = $1 AND hash = $2', [uid, hash], 'offer', [uid]);
  }

  authSeen(uid: string): AuthSeenRow | undefined {
    return this.#seen.get(uid);
  }

  recordAuth(uid: string, method: string, credentialId: string | null, at: number): boolean {
    const prev = this.#seen.get(uid);
    if (prev && prev.method === method && prev.credential_id === credentialId) return false;
    const row = { agent_uid: uid, method, credential_id: credentialId, seen_at: at };
    this.#seen.set(uid, row);
    this.pg.run(
      `INSERT INTO agent_auth_seen (agent_uid, method, credential_id, seen_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (agent_uid) DO UPDATE SET method = excluded.method, credential_id = excluded.credential_id, seen_at = excluded.seen_at`,
      [uid, method, credentialId, at],
      'auth',
      [uid],
    );
    return true;
  }

  rekey(oldUid: string, newUid: string): void {
    for (const map of [this.#offered, this.#seen] as Array<Map<string, { agent_uid: string }>>) {
      const row = map.get(oldUid);
      if (!row) continue;
      map.delete(oldUid);
      row.agent_uid = newUid;
      map.set(newUid, row);
    }
    this.pg.batch(
      [
        { sql: 'DELETE FROM connection_offers WHERE agent_uid = $1', params: [newUid] },
        { sql: 'DELETE FROM agent_auth_seen WHERE agent_uid = $1', params: [newUid] },
        { sql: 'UPDATE connection_offers SET agent_uid = $1 WHERE agent_uid = $2', params: [newUid, oldUid] },
        { sql: 'UPDATE agent_auth_seen SET agent_uid = $1 WHERE agent_uid = $2', params: [newUid, oldUid] },
      ],
      'auth',
      [oldUid, newUid],
    );
    this.pg.note('offer', [oldUid, newUid]);
  }
}
