/**
 * @module Request rate per API token on the control plane (REST, MCP): one token bucket per token
 * id, checked in an onRequest hook before the body is parsed. A runaway script or an LLM stuck in
 * a loop then slows down with 429 + Retry-After instead of starving everyone else. Only valid
 * tokens get a bucket (so memory is bounded by the number of tokens); requests without a valid
 * token are answered 401 by the routes as before. /healthz, /metrics and Slack (signed, no bearer
 * token) are not limited here.
 */
import type { FastifyInstance } from 'fastify';
import { bearerToken } from '../shared/bearer.js';
import type { ApiTokens } from '../creds/api-tokens.js';
import { TokenBuckets } from '../shared/token-buckets.js';

export interface ApiRateLimitOptions {
  /** Sustained requests per second per token; 0 turns the limit off. */
  readonly ratePerSecond: number;
  /** Requests a token may make in a burst. */
  readonly burst: number;
  readonly now?: () => number;
}

/** One bucket per API token id (only valid tokens get one, so memory is bounded by the tokens). */
export class ApiRateLimiter extends TokenBuckets {
  constructor(opts: ApiRateLimitOptions) {
    super({ ...opts, maxKeys: Number.MAX_SAFE_INTEGER });
  }
}

/** Installs the per-token limit on the control plane (before any route is registered). */
export function installApiRateLimit(app: FastifyInstance, tokens: ApiTokens, limiter: ApiRateLimiter): void {
  if (!limiter.enabled) return;
  app.addHook('onRequest', async (req, reply) => {
    const secret = bearerToken(req.headers.authorization);
    if (!secret) return;
    const row = tokens.verify(secret);
    if (!row) return;
    const wait = limiter.take(row.id);
    if (wait === 0) return;
    return reply
      .code(429)
      .header('Retry-After', String(wait))
      .send({ error: { code: 'too_many_requests', message: `token "${row.name}" exceeded its request rate (AMPGATE_API_RATE); retry in ${wait} s` } });
  });
}
