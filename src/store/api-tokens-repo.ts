/**
 * @module SQLite: control-plane API tokens (hash-only storage) with roles and owners.
 */
import type { Db } from './db.js';
import type { ApiTokenRow, ApiTokensStore } from './ports/api-tokens.js';

/** Owner chains longer than this are cut (they cannot occur: an owner always exists first). */
const MAX_CHAIN = 32;

export class ApiTokensRepo implements ApiTokensStore {
  readonly #byHash;
  readonly #byId;
  readonly #insert;
  readonly #list;
  readonly #revoke;
  readonly #countAdmins;
  readonly #chain;

  constructor(db: Db) {
    this.#byHash = db.prepare('SELECT * FROM api_tokens WHERE secret_hash = ?');
    this.#byId = db.prepare('SELECT * FROM api_tokens WHERE id = ?');
    this.#insert = db.prepare('INSERT INTO api_tokens (id, name, role, secret_hash, created_at, owner, origin) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.#list = db.prepare('SELECT * FROM api_tokens ORDER BY created_at');
    this.#revoke = db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
    this.#countAdmins = db.prepare("SELECT count(*) AS n FROM api_tokens WHERE role = 'admin' AND revoked_at IS NULL");
    // Owners of a token, nearest first (owner keys are 'api_token:<id>').
    this.#chain = db.prepare(`WITH RECURSIVE up(key, depth) AS (
        SELECT owner, 1 FROM api_tokens WHERE id = ? AND owner IS NOT NULL
        UNION ALL
        SELECT t.owner, up.depth + 1 FROM up JOIN api_tokens t ON 'api_token:' || t.id = up.key
        WHERE t.owner IS NOT NULL AND up.depth < ${MAX_CHAIN}
      ) SELECT key FROM up ORDER BY depth`);
  }

  byHash(secretHash: string): ApiTokenRow | undefined {
    return this.#byHash.get(secretHash) as ApiTokenRow | undefined;
  }

  byId(id: string): ApiTokenRow | undefined {
    return this.#byId.get(id) as ApiTokenRow | undefined;
  }

  insert(r: Omit<ApiTokenRow, 'revoked_at'>): void {
    this.#insert.run(r.id, r.name, r.role, r.secret_hash, r.created_at, r.owner, r.origin);
  }

  list(): ApiTokenRow[] {
    return this.#list.all() as ApiTokenRow[];
  }

  revoke(id: string, at: number): boolean {
    return this.#revoke.run(at, id).changes > 0;
  }

  activeAdminCount(): number {
    return (this.#countAdmins.get() as { n: number }).n;
  }

  ownerChain(id: string): string[] {
    return (this.#chain.all(id) as Array<{ key: string }>).map((r) => r.key);
  }
}
