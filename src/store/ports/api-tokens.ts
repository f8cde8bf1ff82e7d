/** @module Port: api tokens as stored. */
import type { Role } from '../../shared/vocabulary.js';

/** How a token came to be: minted through the API, or one nobody minted. */

export type TokenOrigin = 'first_start' | 'env' | 'operator' | 'api' | 'legacy';

export interface ApiTokenRow {
  id: string;
  name: string;
  role: Role;
  secret_hash: string;
  created_at: number;
  revoked_at: number | null;
  /** Principal key of the token that minted this one; null when nobody did. */
  owner: string | null;
  origin: TokenOrigin;
}

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

export interface ApiTokensStore {
  /** The active token for a secret, or undefined. */
  verify(secret: string): ApiTokenRow | undefined;
  get(id: string): ApiTokenRow | undefined;
  /**
   * The principal keys of the tokens that minted `id`, nearest first; empty for a token nobody
   * minted. Revoked owners stay in the chain: revoking a creator does not make its tokens someone
   * else.
   */
  ownerChain(id: string): string[];
  /** The active token with this id, or undefined (revoked or unknown). */
  active(id: string): ApiTokenRow | undefined;
  /** Creates a token; the secret is returned once and never stored. */
  create(
    name: string,
    role: Role,
    opts?: CreateTokenOptions,
  ): {
    id: string;
    secret: string;
    view: ApiTokenView;
  };
  list(): ApiTokenView[];
  view(id: string): ApiTokenView | undefined;
  revoke(id: string): boolean;
  /**
   * First start: make sure an admin token exists. `given` (AMPGATE_ADMIN_TOKEN) is registered if
   * unknown; otherwise a token is generated only when no admin token exists. Returns what was
   * created (with the secret when it was generated, so the caller can print it once).
   */
  ensureAdmin(given: string | undefined):
    | {
        secret?: string;
        view: ApiTokenView;
      }
    | undefined;
}
