/**
 * @module Web console sessions: an API token is exchanged once for a random session secret held in
 * an HttpOnly cookie, so the token never stays in the browser. A session acts as the token's
 * principal (same role, same person for self-approval), ends at sign-out, after an idle period,
 * at its absolute lifetime, or as soon as the token is revoked. The CSRF token is derived from the
 * session secret (HMAC), so it needs no storage and is useless without the cookie.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashSecret } from '../shared/secrets.js';
import type { ApiTokenRow, ApiTokens } from '../creds/api-tokens.js';
import type { ConsoleSessionsStore } from '../store/ports/console-sessions.js';

export interface SessionOptions {
  /** Absolute lifetime of a session in seconds. */
  readonly ttlSeconds: number;
  /** A session unused for this long ends. */
  readonly idleSeconds: number;
  readonly now?: () => number;
}

export interface ActiveSession {
  readonly ok: true;
  readonly idHash: string;
  readonly token: ApiTokenRow;
  readonly csrf: string;
  readonly expiresAt: number;
}

export type SessionLookup = ActiveSession | { readonly ok: false; readonly reason: 'unknown' | 'ended' | 'expired' | 'idle' | 'token_revoked' };

export class ConsoleSessions {
  readonly #now: () => number;
  /** last_seen_at is written at most this often per session (not on every request). */
  readonly #touchEveryMs: number;

  constructor(
    private readonly repo: ConsoleSessionsStore,
    private readonly tokens: ApiTokens,
    private readonly opts: SessionOptions,
  ) {
    this.#now = opts.now ?? Date.now;
    this.#touchEveryMs = Math.min(30_000, (opts.idleSeconds * 1000) / 4);
  }

  /** Exchanges a valid API token for a new session; undefined for an unknown or revoked token. */
  signIn(apiToken: string): { secret: string; session: ActiveSession } | undefined {
    const token = this.tokens.verify(apiToken);
    if (!token) return undefined;
    const secret = randomBytes(32).toString('base64url');
    const now = this.#now();
    const expiresAt = now + this.opts.ttlSeconds * 1000;
    const idHash = hashSecret(secret);
    this.repo.insert({ id_hash: idHash, token_id: token.id, created_at: now, last_seen_at: now, expires_at: expiresAt });
    return { secret, session: { ok: true, idHash, token, csrf: csrfToken(secret), expiresAt } };
  }

  /** Looks up the session of a cookie value and records that it was used. */
  resolve(secret: string): SessionLookup {
    if (!/^[A-Za-z0-9_-]{43}$/.test(secret)) return { ok: false, reason: 'unknown' };
    const idHash = hashSecret(secret);
    const row = this.repo.get(idHash);
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.ended_at !== null) return { ok: false, reason: 'ended' };
    const now = this.#now();
    if (now >= row.expires_at) return { ok: false, reason: 'expired' };
    if (now - row.last_seen_at >= this.opts.idleSeconds * 1000) return { ok: false, reason: 'idle' };
    const token = this.tokens.active(row.token_id);
    if (!token) return { ok: false, reason: 'token_revoked' };
    if (now - row.last_seen_at >= this.#touchEveryMs) this.repo.touch(idHash, now);
    return { ok: true, idHash, token, csrf: csrfToken(secret), expiresAt: row.expires_at };
  }

  signOut(secret: string): boolean {
    return this.repo.end(hashSecret(secret), this.#now());
  }

  /** Deletes sessions that ended or expired more than a day ago. */
  purge(): number {
    return this.repo.purge(this.#now() - 24 * 3600 * 1000);
  }
}

/** The CSRF token of a session: HMAC-SHA256 keyed with the session secret. */
export function csrfToken(sessionSecret: string): string {
  return createHmac('sha256', sessionSecret).update('ampgate console csrf v1').digest('base64url');
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function csrfMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Why a lookup failed, in words for the sign-in page. */
export function endedMessage(reason: Exclude<SessionLookup, ActiveSession>['reason']): string {
  switch (reason) {
    case 'expired':
      return 'your console session expired; sign in again';
    case 'idle':
      return 'your console session ended after a period without use; sign in again';
    case 'token_revoked':
      return 'the API token behind this session was revoked';
    case 'ended':
      return 'you signed out of this session';
    default:
      return 'unknown console session; sign in again';
  }
}
