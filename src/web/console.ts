/**
 * @module The web console on the control plane: pages at /ui/ (one HTML shell; the front end
 * routes by path), static files at /ui/assets/, and sign-in / sign-out at /ui/session. Every
 * response under / and /ui carries a strict Content-Security-Policy (only this origin's scripts
 * and styles, nothing inline, no framing). The console reads and writes through the REST API with
 * its session cookie (session-auth.ts), so it has exactly the rules of the API.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { principalOfToken } from '../api/auth.js';
import { ApiRateLimiter, type ApiRateLimitOptions } from '../api/rate-limit.js';
import { parseInput } from '../api/validation.js';
import { AmpgateError } from '../shared/errors.js';
import type { ApiTokens } from '../creds/api-tokens.js';
import type { ConsoleSessionsStore } from '../store/ports/console-sessions.js';
import { loadAssets, type Asset } from './assets.js';
import { clearedSessionCookie, readCookie, SESSION_COOKIE, sessionCookie } from './cookies.js';
import { crossSiteReason } from './same-origin.js';
import { installSessionAuth, CSRF_HEADER } from './session-auth.js';
import { ConsoleSessions, csrfMatches, endedMessage, type ActiveSession } from './sessions.js';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export interface ConsoleDeps {
  readonly sessions: ConsoleSessionsStore;
  readonly tokens: ApiTokens;
  /** Absolute session lifetime and idle timeout, in seconds. */
  readonly sessionSeconds: number;
  readonly idleSeconds: number;
  /** The control plane's per-token request rate, applied to console sessions as well. */
  readonly apiRateLimit?: ApiRateLimitOptions;
  readonly now?: () => number;
}

const SignInBody = z.object({ token: z.string().min(1).max(200) });

/** Registers the console; returns the plugin for ControlPlaneDeps.plugins. */
export function consoleRoutes(deps: ConsoleDeps) {
  return (app: FastifyInstance): void => {
    const sessions = new ConsoleSessions(deps.sessions, deps.tokens, { ttlSeconds: deps.sessionSeconds, idleSeconds: deps.idleSeconds, now: deps.now });
    const assets = loadAssets();
    installSessionAuth(app, sessions, deps.tokens, deps.apiRateLimit && new ApiRateLimiter(deps.apiRateLimit));

    const purge = setInterval(() => sessions.purge(), 3600_000);
    purge.unref();
    app.addHook('onClose', async () => clearInterval(purge));
    app.addHook('onSend', async (req, reply, payload) => {
      if (req.url === '/' || req.url.startsWith('/ui')) for (const [k, v] of Object.entries(SECURITY_HEADERS)) void reply.header(k, v);
      return payload;
    });

    app.get('/', async (_req, reply) => reply.redirect('/ui/', 302));

    app.get<{ Params: { '*': string } }>('/ui/*', async (req, reply) => {
      const path = req.params['*'];
      if (path.startsWith('assets/')) {
        const asset = assets.files.get(path.slice('assets/'.length));
        if (!asset) throw new AmpgateError('not_found', `no console file ${path}`);
        return sendAsset(req, reply, asset, 'no-cache');
      }
      // Every other path is a page of the single-page console (it routes by location.pathname).
      return sendAsset(req, reply, assets.index, 'no-store');
    });

    const secure = (req: FastifyRequest) => req.protocol === 'https';
    const view = (s: ActiveSession) => ({
      principal: principalOfToken(s.token, false, deps.tokens),
      csrfToken: s.csrf,
      expiresAt: new Date(s.expiresAt).toISOString(),
      idleSeconds: deps.idleSeconds,
    });

    app.post('/ui/session', async (req, reply) => {
      const crossSite = crossSiteReason(req.headers);
      if (crossSite) throw new AmpgateError('forbidden', `cross-site sign-in refused: ${crossSite}`);
      const body = parseInput(SignInBody, req.body, 'bad_request');
      const r = sessions.signIn(body.token.trim());
      if (!r) throw new AmpgateError('unauthorized', 'unknown or revoked API token');
      void reply.header('Set-Cookie', sessionCookie(r.secret, deps.sessionSeconds, secure(req)));
      return view(r.session);
    });

    app.get('/ui/session', async (req, reply) => {
      const secret = readCookie(req.headers.cookie, SESSION_COOKIE);
      if (!secret) throw new AmpgateError('unauthorized', 'not signed in');
      const s = sessions.resolve(secret);
      if (!s.ok) {
        void reply.header('Set-Cookie', clearedSessionCookie(secure(req)));
        throw new AmpgateError('unauthorized', endedMessage(s.reason), { session: s.reason });
      }
      return view(s);
    });

    app.delete('/ui/session', async (req, reply) => {
      const secret = readCookie(req.headers.cookie, SESSION_COOKIE);
      const s = secret ? sessions.resolve(secret) : undefined;
      if (secret && s?.ok) {
        const crossSite = crossSiteReason(req.headers);
        const presented = req.headers[CSRF_HEADER];
        if (crossSite || !csrfMatches(typeof presented === 'string' ? presented : undefined, s.csrf)) {
          throw new AmpgateError('forbidden', `sign-out refused: ${crossSite ?? 'missing or wrong CSRF token'}`, { csrf: true });
        }
        sessions.signOut(secret);
      }
      void reply.header('Set-Cookie', clearedSessionCookie(secure(req)));
      return reply.code(204).send();
    });
  };
}

function sendAsset(req: FastifyRequest, reply: FastifyReply, asset: Asset, cache: string): FastifyReply {
  void reply.header('Cache-Control', cache).header('ETag', asset.etag).type(asset.contentType);
  if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  return reply.send(asset.body);
}
