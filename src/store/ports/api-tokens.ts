/** @module Port: control-plane API tokens as stored (hashes only; src/creds/api-tokens.ts mints and verifies). */
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

export interface ApiTokensStore {
  byHash(secretHash: string): ApiTokenRow | undefined;
  byId(id: string): ApiTokenRow | undefined;
  insert(row: Omit<ApiTokenRow, 'revoked_at'>): void;
  /** Every token, revoked ones too, oldest first. */
  list(): ApiTokenRow[];
  /** Marks an active token revoked; false when it was unknown or already revoked. */
  revoke(id: string, at: number): boolean;
  activeAdminCount(): number;
  /**
   * The principal keys of the tokens that minted `id`, nearest first; empty for a token nobody
   * minted. Revoked owners stay in the chain: revoking a creator does not make its tokens someone
   * else.
   */
  ownerChain(id: string): string[];
}
