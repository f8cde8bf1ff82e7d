/**
 * @module Secret tokens: generation, storage hash and display fingerprint. Tokens are 256-bit
 * random values with a readable prefix (so scanners can find leaks); only SHA-256 hashes are
 * stored, and only short fingerprints (`…a3f9`) are ever shown.
 */
import { hash, randomBytes } from 'node:crypto';

export type TokenPrefix = 'ampe' | 'ampa' | 'ampk';

/** `ampe_` enrollment, `ampa_` per-agent, `ampk_` control-plane API key. */
export function newToken(prefix: TokenPrefix): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex'); // one-shot: a third of createHash().update().digest() per request
}

/** Short, non-reversible display form of a secret, e.g. `…a3f9`. */
export function fingerprint(secret: string): string {
  return fingerprintOfHash(hashSecret(secret));
}

export function fingerprintOfHash(hash: string): string {
  return `…${hash.slice(-4)}`;
}

/** Matches every token format ampgate issues; used by leak-scanning tests. */
export const TOKEN_PATTERN = /amp[eak]_[A-Za-z0-9_-]{43}/g;
