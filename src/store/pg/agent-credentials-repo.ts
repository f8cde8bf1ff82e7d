/**
 * @module PostgreSQL: agent credentials, stored by hash only. Authentication looks a credential up
 * on every WebSocket upgrade and HTTP poll, so reads are cached in memory; the cache is dropped on
 * every write, here or (through the change feed) on another replica, so a revocation takes effect
 * everywhere within the feed's delay.
 */
import type { SyncPg } from './bridge.js';
import type { AgentCredentialsStore, CredentialKind, CredentialRow } from '../ports/agent-credentials.js';

export class PgAgentCredentialsRepo implements AgentCredentialsStore {
  readonly #byHash = new Map<string, CredentialRow | null>();
  readonly #forAgent = new Map<string, CredentialRow[]>();

  constructor(private readonly pg: SyncPg) {}

  /** Forgets every cached row (a write here or on another replica). */
  invalidate(): void {
    this.#byHash.clear();
    this.#forAgent.clear();
  }

  byHash(hash: string): CredentialRow | undefined {
    let row = this.#byHash.get(hash);
    if (row === undefined) {
      row = this.pg.row<CredentialRow>('SELECT * FROM agent_credentials WHERE secret_hash = $1', [hash]) ?? null;
      if (this.#byHash.size > 100_000) this.#byHash.clear();
      this.#byHash.set(hash, row);
    }
    return row === null ? undefined : { ...row };
  }

  byId(id: string): CredentialRow | undefined {
    return this.pg.row<CredentialRow>('SELECT * FROM agent_credentials WHERE id = $1', [id]);
  }

  insert(row: CredentialRow): void {
    this.#write(
      `INSERT INTO agent_credentials (id, kind, secret_hash, fingerprint, agent_uid, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [row.id, row.kind, row.secret_hash, row.fingerprint, row.agent_uid, row.created_at, row.expires_at],
      row.id,
    );
  }

  revoke(id: string, at: number): boolean {
    return this.#write('UPDATE agent_credentials SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id], id) > 0;
  }

  activeCount(kind: CredentialKind): number {
    return this.pg.row<{ n: number }>('SELECT count(*) AS n FROM agent_credentials WHERE kind = $1 AND revoked_at IS NULL', [kind])!.n;
  }

  forAgent(uid: string): CredentialRow[] {
    let rows = this.#forAgent.get(uid);
    if (!rows) {
      rows = this.pg.rows<CredentialRow>('SELECT * FROM agent_credentials WHERE agent_uid = $1 ORDER BY created_at, id', [uid]);
      if (this.#forAgent.size > 100_000) this.#forAgent.clear();
      this.#forAgent.set(uid, rows);
    }
    return rows.map((r) => ({ ...r }));
  }

  rebind(oldUid: string, newUid: string): number {
    return this.#write('UPDATE agent_credentials SET agent_uid = $1 WHERE agent_uid = $2', [newUid, oldUid], 'all');
  }

  ofKind(kind: CredentialKind): CredentialRow[] {
    return this.pg.rows<CredentialRow>('SELECT * FROM agent_credentials WHERE kind = $1 ORDER BY created_at, id', [kind]);
  }

  markUsed(id: string, at: number): boolean {
    return this.#write('UPDATE agent_credentials SET last_used_at = $1 WHERE id = $2 AND last_used_at IS NULL', [at, id], id) > 0;
  }

  usedBoundUids(): string[] {
    return this.pg
      .rows<{ agent_uid: string }>(
        `SELECT DISTINCT agent_uid FROM agent_credentials
         WHERE agent_uid IS NOT NULL AND kind <> 'enrollment' AND revoked_at IS NULL AND last_used_at IS NOT NULL`,
      )
      .map((r) => r.agent_uid);
  }

  #write(sql: string, params: readonly unknown[], key: string): number {
    this.invalidate();
    const n = this.pg.run(sql, params, 'credential', key === 'all' ? 'all' : [key]);
    this.invalidate();
    return n;
  }
}
