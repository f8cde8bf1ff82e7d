/**
 * @module SQL for agent credentials (`agent_credentials`): enrollment tokens, per-agent tokens and
 * registered client certificates, stored by hash only. The rules (validity, bootstrap, identity
 * binding) live in src/creds/agent-credentials.ts.
 */
import type { Db } from './db.js';
import type { AgentCredentialsStore, CredentialKind, CredentialRow } from './ports/agent-credentials.js';

export class AgentCredentialsRepo implements AgentCredentialsStore {
  readonly #byHash;
  readonly #insert;
  readonly #revoke;
  readonly #count;
  readonly #byId;
  readonly #forAgent;
  readonly #rebind;
  readonly #ofKind;
  readonly #markUsed;
  readonly #usedBound;

  constructor(db: Db) {
    this.#byHash = db.prepare('SELECT * FROM agent_credentials WHERE secret_hash = ?');
    this.#insert = db.prepare(`INSERT INTO agent_credentials (id, kind, secret_hash, fingerprint, agent_uid, created_at, expires_at)
      VALUES (@id, @kind, @secret_hash, @fingerprint, @agent_uid, @created_at, @expires_at)`);
    this.#revoke = db.prepare('UPDATE agent_credentials SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
    this.#count = db.prepare('SELECT count(*) AS n FROM agent_credentials WHERE kind = ? AND revoked_at IS NULL');
    this.#byId = db.prepare('SELECT * FROM agent_credentials WHERE id = ?');
    this.#forAgent = db.prepare('SELECT * FROM agent_credentials WHERE agent_uid = ? ORDER BY created_at, id');
    this.#rebind = db.prepare('UPDATE agent_credentials SET agent_uid = ? WHERE agent_uid = ?');
    this.#ofKind = db.prepare('SELECT * FROM agent_credentials WHERE kind = ? ORDER BY created_at, id');
    this.#markUsed = db.prepare('UPDATE agent_credentials SET last_used_at = ? WHERE id = ? AND last_used_at IS NULL');
    this.#usedBound = db.prepare(
      "SELECT DISTINCT agent_uid FROM agent_credentials WHERE agent_uid IS NOT NULL AND kind != 'enrollment' AND revoked_at IS NULL AND last_used_at " +
        'IS NOT NULL',
    );
  }

  byHash(hash: string): CredentialRow | undefined {
    return this.#byHash.get(hash) as CredentialRow | undefined;
  }

  byId(id: string): CredentialRow | undefined {
    return this.#byId.get(id) as CredentialRow | undefined;
  }

  insert(row: CredentialRow): void {
    this.#insert.run(row);
  }

  revoke(id: string, at: number): boolean {
    return this.#revoke.run(at, id).changes > 0;
  }

  activeCount(kind: CredentialKind): number {
    return (this.#count.get(kind) as { n: number }).n;
  }

  forAgent(uid: string): CredentialRow[] {
    return this.#forAgent.all(uid) as CredentialRow[];
  }

  rebind(oldUid: string, newUid: string): number {
    return this.#rebind.run(newUid, oldUid).changes;
  }

  ofKind(kind: CredentialKind): CredentialRow[] {
    return this.#ofKind.all(kind) as CredentialRow[];
  }

  /** Records the first use of a credential; false when it was already recorded. */
  markUsed(id: string, at: number): boolean {
    return this.#markUsed.run(at, id).changes > 0;
  }

  /** uids that have an unrevoked per-agent credential which has been used at least once. */
  usedBoundUids(): string[] {
    return (this.#usedBound.all() as Array<{ agent_uid: string }>).map((r) => r.agent_uid);
  }
}
