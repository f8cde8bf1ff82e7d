/**
 * @module PostgreSQL: control-plane API tokens (hash-only storage) with roles and owners.
 */
import type { SyncPg } from './bridge.js';
import type { ApiTokenRow, ApiTokensStore } from '../ports/api-tokens.js';

/** Owner chains longer than this are cut (they cannot occur: an owner always exists first). */
const MAX_CHAIN = 32;

const CHAIN = `WITH RECURSIVE up(key, depth) AS (
    SELECT owner, 1 FROM api_tokens WHERE id = $1 AND owner IS NOT NULL
    UNION ALL
    SELECT t.owner, up.depth + 1 FROM up JOIN api_tokens t ON 'api_token:' || t.id = up.key
    WHERE t.owner IS NOT NULL AND up.depth < ${MAX_CHAIN}
  ) SELECT key FROM up ORDER BY depth`;

export class PgApiTokensRepo implements ApiTokensStore {
  constructor(private readonly pg: SyncPg) {}

  byHash(secretHash: string): ApiTokenRow | undefined {
    return this.pg.row<ApiTokenRow>('SELECT * FROM api_tokens WHERE secret_hash = $1', [secretHash]);
  }

  byId(id: string): ApiTokenRow | undefined {
    return this.pg.row<ApiTokenRow>('SELECT * FROM api_tokens WHERE id = $1', [id]);
  }

  insert(r: Omit<ApiTokenRow, 'revoked_at'>): void {
    this.pg.run(
      'INSERT INTO api_tokens (id, name, role, secret_hash, created_at, owner, origin) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [r.id, r.name, r.role, r.secret_hash, r.created_at, r.owner, r.origin],
      'api_token',
      [r.id],
    );
  }

  list(): ApiTokenRow[] {
    return this.pg.rows<ApiTokenRow>('SELECT * FROM api_tokens ORDER BY created_at, id');
  }

  revoke(id: string, at: number): boolean {
    return this.pg.run('UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id], 'api_token', [id]) > 0;
  }

  activeAdminCount(): number {
    return this.pg.row<{ n: number }>("SELECT count(*) AS n FROM api_tokens WHERE role = 'admin' AND revoked_at IS NULL")!.n;
  }

  ownerChain(id: string): string[] {
    return this.pg.rows<{ key: string }>(CHAIN, [id]).map((r) => r.key);
  }
}
