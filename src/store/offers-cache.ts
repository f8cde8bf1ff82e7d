/**
 * @module The in-memory side of OffersStore, one for the SQLite and the PostgreSQL repository:
 * what each agent was last offered (by hash) and the credential it last authenticated with. Its
 * methods say what changed; the repositories write exactly that.
 */
import type { AuthSeenRow, OfferedRow } from './ports/offers.js';

export class OffersCache {
  readonly offered = new Map<string, OfferedRow>();
  #seen: Map<string, AuthSeenRow> | undefined;

  /** `loadSeen` reads every auth-seen row; it runs on the first use of `seen`. */
  constructor(private readonly loadSeen: () => Iterable<AuthSeenRow>) {}

  get seen(): Map<string, AuthSeenRow> {
    if (this.#seen) return this.#seen;
    const rows = new Map<string, AuthSeenRow>();
    for (const r of this.loadSeen()) rows.set(r.agent_uid, r);
    this.#seen = rows;
    return rows;
  }

  /** The agent reported a status for `hash`; returns whether that marked its offer seen (false: no such offer, or seen already). */
  ack(uid: string, hash: string): boolean {
    const row = this.offered.get(uid);
    if (!row || row.hash !== hash || row.acked) return false;
    row.acked = 1;
    return true;
  }

  /** The row to write when the credential changed; undefined when it is the one already recorded. */
  recordAuth(uid: string, method: string, credentialId: string | null, at: number): AuthSeenRow | undefined {
    const prev = this.seen.get(uid);
    if (prev && prev.method === method && prev.credential_id === credentialId) return undefined;
    const row = { agent_uid: uid, method, credential_id: credentialId, seen_at: at };
    this.seen.set(uid, row);
    return row;
  }

  /** Moves both rows of `oldUid` to `newUid` (the agent was told to use a new instance uid). */
  rekey(oldUid: string, newUid: string): void {
    for (const map of [this.offered, this.seen] as Array<Map<string, { agent_uid: string }>>) {
      const row = map.get(oldUid);
      if (!row) continue;
      map.delete(oldUid);
      row.agent_uid = newUid;
      map.set(newUid, row);
    }
  }
}
