/**
 * @module PostgreSQL: what each agent was last offered in ConnectionSettingsOffers (by hash) and
 * which credential each agent last authenticated with. Cached in memory in the OffersCache the SQLite store uses too,
 * written only when they change; rows another replica writes are re-read through `reload`.
 */
import type { SyncPg } from './bridge.js';
import { OffersCache } from '../offers-cache.js';
import type { AuthSeenRow, OfferedRow, OffersStore } from '../ports/offers.js';

export class PgOffersRepo implements OffersStore {
  readonly #cache: OffersCache;

  constructor(private readonly pg: SyncPg) {
    this.#cache = new OffersCache(() => pg.rows<AuthSeenRow>('SELECT * FROM agent_auth_seen'));
    for (const r of pg.rows<OfferedRow>('SELECT * FROM connection_offers')) this.#cache.offered.set(r.agent_uid, r);
    void this.#cache.seen; // read at start-up, as before; reload() refreshes it when another replica writes
  }

  /** Re-reads the rows of these agents (another replica wrote them); 'all' re-reads everything. */
  reload(uids: readonly string[] | 'all'): void {
    const filter = uids === 'all' ? '' : ' WHERE agent_uid = ANY($1::text[])';
    const params = uids === 'all' ? [] : [uids];
    const offered = this.pg.rows<OfferedRow>(`SELECT * FROM connection_offers${filter}`, params);
    const seen = this.pg.rows<AuthSeenRow>(`SELECT * FROM agent_auth_seen${filter}`, params);
    const cache = this.#cache;
    if (uids === 'all') {
      cache.offered.clear();
      cache.seen.clear();
    } else {
      for (const u of uids) {
        cache.offered.delete(u);
        cache.seen.delete(u);
      }
    }
    for (const r of offered) cache.offered.set(r.agent_uid, r);
    for (const r of seen) cache.seen.set(r.agent_uid, r);
  }

  offered(uid: string): OfferedRow | undefined {
    return this.#cache.offered.get(uid);
  }

  markOffered(row: OfferedRow): void {
    this.#cache.offered.set(row.agent_uid, row);
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
    if (!this.#cache.ack(uid, hash)) return;
    this.pg.run('UPDATE connection_offers SET acked = 1 WHERE agent_uid = $1 AND hash = $2', [uid, hash], 'offer', [uid]);
  }

  authSeen(uid: string): AuthSeenRow | undefined {
    return this.#cache.seen.get(uid);
  }

  recordAuth(uid: string, method: string, credentialId: string | null, at: number): boolean {
    if (this.#cache.recordAuth(uid, method, credentialId, at) === undefined) return false;
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
    this.#cache.rekey(oldUid, newUid);
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
