/**
 * @module Control-plane API tokens (hash-only storage) with roles and owners.
 */
import { randomUUID } from 'node:crypto';
import type { Role } from '../shared/vocabulary.js';
import { fingerprintOfHash, hashSecret, newToken } from '../shared/secrets.js';
import type { Db } from './db.js';
import type { ApiTokenRow, ApiTokenView, ApiTokensStore, CreateTokenOptions } from './ports/api-tokens.js';

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

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
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

  /** The active token for a secret, or undefined. */
  verify(secret: string): ApiTokenRow | undefined {
    const row = this.#byHash.get(hashSecret(secret)) as ApiTokenRow | undefined;
    return row && row.revoked_at === null ? row : undefined;
  }

  get(id: string): ApiTokenRow | undefined {
    return this.#byId.get(id) as ApiTokenRow | undefined;
  }

  /**
   * The principal keys of the tokens that minted `id`, nearest first; empty for a token nobody
   * minted. Revoked owners stay in the chain: revoking a creator does not make its tokens someone
   * else.
   */
  ownerChain(id: string): string[] {
    return (this.#chain.all(id) as Array<{ key: string }>).map((r) => r.key);
  }

  /** The active token with this id, or undefined (revoked or unknown). */
  active(id: string): ApiTokenRow | undefined {
    const row = this.#byId.get(id) as ApiTokenRow | undefined;
    return row && row.revoked_at === null ? row : undefined;
  }

  /** Creates a token; the secret is returned once and never stored. */
  create(name: string, role: Role, opts: CreateTokenOptions = {}): { id: string; secret: string; view: ApiTokenView } {
    const id = randomUUID();
    const secret = opts.secret ?? newToken('ampk');
    const hash = hashSecret(secret);
    this.#insert.run(id, name, role, hash, this.now(), opts.owner ?? null, opts.origin ?? (opts.owner ? 'api' : 'operator'));
    return { id, secret, view: toView(this.#byHash.get(hash) as ApiTokenRow) };
  }

  list(): ApiTokenView[] {
    return (this.#list.all() as ApiTokenRow[]).map(toView);
  }

  view(id: string): ApiTokenView | undefined {
    const row = this.get(id);
    return row ? toView(row) : undefined;
  }

  revoke(id: string): boolean {
    return this.#revoke.run(this.now(), id).changes > 0;
  }

  /**
   * First start: make sure an admin token exists. `given` (AMPGATE_ADMIN_TOKEN) is registered if
   * unknown; otherwise a token is generated only when no admin token exists. Returns what was
   * created (with the secret when it was generated, so the caller can print it once).
   */
  ensureAdmin(given: string | undefined): { secret?: string; view: ApiTokenView } | undefined {
    if (given) {
      if (this.#byHash.get(hashSecret(given))) return undefined;
      return { view: this.create('admin', 'admin', { secret: given, origin: 'env' }).view };
    }
    if ((this.#countAdmins.get() as { n: number }).n > 0) return undefined;
    const { secret, view } = this.create('admin', 'admin', { origin: 'first_start' });
    return { secret, view };
  }
}

function toView(r: ApiTokenRow): ApiTokenView {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    fingerprint: fingerprintOfHash(r.secret_hash),
    owner: r.owner,
    origin: r.origin,
    createdAt: new Date(r.created_at).toISOString(),
    revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString(),
  };
}
