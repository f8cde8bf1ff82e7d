/**
 * @module Authentication of /api requests by the console's session cookie. Runs as an onRequest
 * hook: a request with an Authorization header is left to the bearer-token check; one with a
 * session cookie gets the session's principal and the 'web' channel, and every write must carry
 * the session's CSRF token (X-CSRF-Token) and come from this origin. Roles and change-request
 * rules are then enforced by the same route checks and change service as for a bearer token.
 */
import type { FastifyInstance } from 'fastify';
import { principalOfToken } from '../api/auth.js';
import type { ApiRateLimiter } from '../api/rate-limit.js';
import { AmpgateError } from '../shared/errors.js';
import type { ApiTokens } from '../creds/api-tokens.js';
import { clearedSessionCookie, readCookie, SESSION_COOKIE } from './cookies.js';
import { crossSiteReason } from './same-origin.js';
import { csrfMatches, endedMessage, type ConsoleSessions } from './sessions.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-csrf-token';

/** `limiter`: the per-token request rate (AMPGATE_API_RATE/BURST) applied to session requests too. */
export function installSessionAuth(app: FastifyInstance, sessions: ConsoleSessions, tokens: Pick<ApiTokens, 'ownerChain'>, limiter?: ApiRateLimiter): void {
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/api/') || req.headers.authorization !== undefined) return;
    const secret = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (!secret) return;
    const s = sessions.resolve(secret);
    if (!s.ok) {
      void reply.header('Set-Cookie', clearedSessionCookie(req.protocol === 'https'));
      throw new AmpgateError('unauthorized', endedMessage(s.reason), { session: s.reason });
    }
    const wait = limiter?.enabled ? limiter.take(s.token.id) : 0;
    if (wait > 0) {
      void reply.header('Retry-After', String(wait));
      throw new AmpgateError(
        'too_many_requests',
        `the console session of token "${s.token.name}" exceeded its request rate (AMPGATE_API_RATE); retry in ${wait} s`,
      );
    }
    if (!SAFE_METHODS.has(req.method)) {
      const crossSite = crossSiteReason(req.headers);
      if (crossSite) throw new AmpgateError('forbidden', `cross-site request refused: ${crossSite}`, { csrf: true });
      const presented = req.headers[CSRF_HEADER];
      if (!csrfMatches(typeof presented === 'string' ? presented : undefined, s.csrf)) {
        throw new AmpgateError('forbidden', 'missing or wrong CSRF token: console writes need the X-CSRF-Token header of the session', { csrf: true });
      }
    }
    req.principal = principalOfToken(s.token, false, tokens);
    req.authChannel = 'web';
    req.authStillValid = () => sessions.resolve(secret).ok;
  });
}
