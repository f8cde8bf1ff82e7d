/**
 * @module What each agent was last offered in ConnectionSettingsOffers (by hash; the settings
 * carry secrets and are never stored) and which credential each agent last authenticated with.
 * Both are cached in memory and written only when they change, never per message; the credential
 * seen is written behind, one transaction for every agent that connected within `flushDelayMs`
 * (a commit per new connection, or per event-loop turn, was a visible share of a connect ramp's
 * CPU). What is not written yet is lost with a crash and recorded again at the agent's next
 * connection; reads are answered from memory.
 */
import type { Db } from './db.js';
import { OffersCache } from './offers-cache.js';
import type { AuthSeenRow, OfferedRow, OffersStore } from './ports/offers.js';

export class OffersRepo implements OffersStore {
  /** Auth-seen rows are loaded on first use (the first agent that connects), not at start-up: one row per known agent. */
  readonly #cache: OffersCache;
  readonly #putOffered;
  readonly #ack;
  readonly #deleteOffered;
  readonly #deleteSeen;
  readonly #putSeen;
  readonly #rekeyOffered;
  readonly #rekeySeen;
  readonly #writeSeen;
  /** Auth-seen rows recorded but not yet written (the in-memory map already answers reads). */
  readonly #pendingSeen = new Map<string, AuthSeenRow>();
  #seenTimer: NodeJS.Timeout | undefined;
  readonly #flushDelayMs: number;

  /** `flushDelayMs`: how long a recorded credential may wait to be written. Default 100 (as the registry's write-behind). */
  constructor(db: Db, opts: { readonly flushDelayMs?: number } = {}) {
    this.#flushDelayMs = opts.flushDelayMs ?? 100;
    const allSeen = db.prepare('SELECT * FROM agent_auth_seen');
    this.#cache = new OffersCache(() => allSeen.all() as AuthSeenRow[]);
    for (const r of db.prepare('SELECT * FROM connection_offers').all() as OfferedRow[]) this.#cache.offered.set(r.agent_uid, r);
    this.#putOffered = db.prepare(`INSERT INTO connection_offers (agent_uid, hash, purpose, reference, offered_at, acked)
      VALUES (@agent_uid, @hash, @purpose, @reference, @offered_at, @acked)
      ON CONFLICT(agent_uid) DO UPDATE SET hash = excluded.hash, purpose = excluded.purpose, reference = excluded.reference,
        offered_at = excluded.offered_at, acked = excluded.acked`);
    this.#ack = db.prepare('UPDATE connection_offers SET acked = 1 WHERE agent_uid = ? AND hash = ?');
    this.#deleteOffered = db.prepare('DELETE FROM connection_offers WHERE agent_uid = ?');
    this.#deleteSeen = db.prepare('DELETE FROM agent_auth_seen WHERE agent_uid = ?');
    this.#putSeen = db.prepare(`INSERT INTO agent_auth_seen (agent_uid, method, credential_id, seen_at) VALUES (@agent_uid, @method, @credential_id, @seen_at)
      ON CONFLICT(agent_uid) DO UPDATE SET method = excluded.method, credential_id = excluded.credential_id, seen_at = excluded.seen_at`);
    this.#rekeyOffered = db.prepare('UPDATE connection_offers SET agent_uid = ? WHERE agent_uid = ?');
    this.#rekeySeen = db.prepare('UPDATE agent_auth_seen SET agent_uid = ? WHERE agent_uid = ?');
    this.#writeSeen = db.transaction((rows: AuthSeenRow[]) => {
      for (const r of rows) this.#putSeen.run(r);
    });
  }

  /** Writes the auth-seen rows not written yet now (also before a rekey and at close). */
  flushPending(): void {
    clearTimeout(this.#seenTimer);
    this.#seenTimer = undefined;
    if (this.#pendingSeen.size === 0) return;
    const rows = [...this.#pendingSeen.values()];
    this.#pendingSeen.clear();
    this.#writeSeen(rows);
  }

  offered(uid: string): OfferedRow | undefined {
    return this.#cache.offered.get(uid);
  }

  markOffered(row: OfferedRow): void {
    this.#cache.offered.set(row.agent_uid, row);
    this.#putOffered.run(row);
  }

  /** The agent reported a status for `hash`: it has seen that offer. */
  ack(uid: string, hash: string): void {
    if (this.#cache.ack(uid, hash)) this.#ack.run(uid, hash);
  }

  authSeen(uid: string): AuthSeenRow | undefined {
    return this.#cache.seen.get(uid);
  }

  /** Records the credential an agent authenticated with; returns true when it changed. */
  recordAuth(uid: string, method: string, credentialId: string | null, at: number): boolean {
    const row = this.#cache.recordAuth(uid, method, credentialId, at);
    if (row === undefined) return false;
    this.#pendingSeen.set(uid, row);
    if (!this.#seenTimer) {
      this.#seenTimer = setTimeout(() => this.flushPending(), this.#flushDelayMs);
      this.#seenTimer.unref();
    }
    return true;
  }

  /** One process writes everything it caches: nothing to re-read (kept for the port). */
  reload(_uids: readonly string[] | 'all'): void {}

  rekey(oldUid: string, newUid: string): void {
    this.flushPending();
    this.#cache.rekey(oldUid, newUid);
    this.#deleteOffered.run(newUid);
    this.#deleteSeen.run(newUid);
    this.#rekeyOffered.run(newUid, oldUid);
    this.#rekeySeen.run(newUid, oldUid);
  }
}
