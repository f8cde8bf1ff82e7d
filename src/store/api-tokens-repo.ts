/**
 * @module Control-plane API tokens (hash-only storage) with roles.
 */
import { randomUUID } from 'node:crypto';
import type { Role } from '../changes/principal.js';
import { fingerprintOfHash, hashSecret, newToken } from '../creds/secrets.js';
import type { Db } from './db.js';

export interface ApiTokenRow {
  id: string;
  name: string;
  role: Role;
  secret_hash: string;
  created_at: number;
  revoked_at: number | null;
}

export interface ApiTokenView {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly fingerprint: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export class ApiTokensRepo {
  readonly #byHash;
  readonly #byId;
  readonly #insert;
  readonly #list;
  readonly #revoke;
  readonly #countAdmins;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.#byHash = db.prepare('SELECT * FROM api_tokens WHERE secret_hash = ?');
    this.#byId = db.prepare('SELECT * FROM api_tokens WHERE id = ?');
    this.#insert = db.prepare('INSERT INTO api_tokens (id, name, role, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)');
    this.#list = db.prepare('SELECT * FROM api_tokens ORDER BY created_at');
    this.#revoke = db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
    this.#countAdmins = db.prepare("SELECT count(*) AS n FROM api_tokens WHERE role = 'admin' AND revoked_at IS NULL");
  }

  /** The active token for a secret, or undefined. */
  verify(secret: string): ApiTokenRow | undefined {
    const row = this.#byHash.get(hashSecret(secret)) as ApiTokenRow | undefined;
    return row && row.revoked_at === null ? row : undefined;
  }

  /** The active token with this id, or undefined (revoked or unknown). */
  active(id: string): ApiTokenRow | undefined {
    const row = this.#byId.get(id) as ApiTokenRow | undefined;
    return row && row.revoked_at === null ? row : undefined;
  }

  /** Creates a token; the secret is returned once and never stored. */
  create(name: string, role: Role, secret: string = newToken('ampk')): { id: string; secret: string; view: ApiTokenView } {
    const id = randomUUID();
    const hash = hashSecret(secret);
    this.#insert.run(id, name, role, hash, this.now());
    return { id, secret, view: toView(this.#byHash.get(hash) as ApiTokenRow) };
  }

  list(): ApiTokenView[] {
    return (this.#list.all() as ApiTokenRow[]).map(toView);
  }

  revoke(id: string): boolean {
    return this.#revoke.run(this.now(), id).changes > 0;
  }

  /**
   * First start: make sure an admin token exists. `given` (AMPGATE_ADMIN_TOKEN) is registered if
   * unknown; otherwise a token is generated only when no admin token exists, and returned so the
   * caller can print it once.
   */
  ensureAdmin(given: string | undefined): string | undefined {
    if (given) {
      if (!this.#byHash.get(hashSecret(given))) this.create('admin', 'admin', given);
      return undefined;
    }
    if ((this.#countAdmins.get() as { n: number }).n > 0) return undefined;
    return this.create('admin', 'admin').secret;
  }
}

function toView(r: ApiTokenRow): ApiTokenView {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    fingerprint: fingerprintOfHash(r.secret_hash),
    createdAt: new Date(r.created_at).toISOString(),
    revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString(),
  };
}
