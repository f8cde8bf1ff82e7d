/**
 * @module Control-plane API tokens: minted here (the secret is returned once, only its SHA-256 is
 * stored), verified by hash, listed as views with fingerprints, revoked; the first admin token.
 */
import { randomUUID } from 'node:crypto';
import { fingerprintOfHash, hashSecret, newToken } from '../shared/secrets.js';
import type { Role } from '../shared/vocabulary.js';
import type { ApiTokenRow, ApiTokensStore, TokenOrigin } from '../store/ports/api-tokens.js';

export type { ApiTokenRow, TokenOrigin };

export interface ApiTokenView {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly fingerprint: string;
  /** Principal key of the token that minted it (it is the same person), or null. */
  readonly owner: string | null;
  readonly origin: TokenOrigin;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export interface CreateTokenOptions {
  readonly secret?: string;
  readonly owner?: string | null;
  readonly origin?: TokenOrigin;
}

export class ApiTokens {
  constructor(
    private readonly store: ApiTokensStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** The active token for a secret, or undefined. */
  verify(secret: string): ApiTokenRow | undefined {
    const row = this.store.byHash(hashSecret(secret));
    return row && row.revoked_at === null ? row : undefined;
  }

  get(id: string): ApiTokenRow | undefined {
    return this.store.byId(id);
  }

  /**
   * The principal keys of the tokens that minted `id`, nearest first; empty for a token nobody
   * minted. Revoked owners stay in the chain: revoking a creator does not make its tokens someone
   * else.
   */
  ownerChain(id: string): string[] {
    return this.store.ownerChain(id);
  }

  /** The active token with this id, or undefined (revoked or unknown). */
  active(id: string): ApiTokenRow | undefined {
    const row = this.store.byId(id);
    return row && row.revoked_at === null ? row : undefined;
  }

  /** Creates a token; the secret is returned once and never stored. */
  create(name: string, role: Role, opts: CreateTokenOptions = {}): { id: string; secret: string; view: ApiTokenView } {
    const id = randomUUID();
    const secret = opts.secret ?? newToken('ampk');
    const hash = hashSecret(secret);
    this.store.insert({
      id,
      name,
      role,
      secret_hash: hash,
      created_at: this.now(),
      owner: opts.owner ?? null,
      origin: opts.origin ?? (opts.owner ? 'api' : 'operator'),
    });
    return { id, secret, view: toView(this.store.byHash(hash)!) };
  }

  list(): ApiTokenView[] {
    return this.store.list().map(toView);
  }

  view(id: string): ApiTokenView | undefined {
    const row = this.get(id);
    return row ? toView(row) : undefined;
  }

  revoke(id: string): boolean {
    return this.store.revoke(id, this.now());
  }

  /**
   * First start: make sure an admin token exists. `given` (AMPGATE_ADMIN_TOKEN) is registered if
   * unknown; otherwise a token is generated only when no admin token exists. Returns what was
   * created (with the secret when it was generated, so the caller can print it once).
   */
  ensureAdmin(given: string | undefined): { secret?: string; view: ApiTokenView } | undefined {
    if (given) {
      if (this.store.byHash(hashSecret(given))) return undefined;
      return { view: this.create('admin', 'admin', { secret: given, origin: 'env' }).view };
    }
    if (this.store.activeAdminCount() > 0) return undefined;
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
