/**
 * @module The control-plane HTTP server (Fastify, default 127.0.0.1:4321): health, metrics, the
 * REST API, and mount points for MCP and Slack. Errors are JSON `{ error: { code, message } }`.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from '../shared/log.js';
import { AmpgateError } from '../shared/errors.js';
import type { AgentRecord } from '../fleet/agent-state.js';
import type { ConfigSync } from '../fleet/fleet-query.js';
import type { AgentRegistry } from '../fleet/registry.js';
import type { Metrics } from './metrics.js';
import type { ApiTokens } from '../creds/api-tokens.js';
import { DEFAULT_BODY_LIMIT } from './body-limits.js';
import { ApiRateLimiter, installApiRateLimit, type ApiRateLimitOptions } from './rate-limit.js';
import { installRequestMetrics } from './request-metrics.js';
import { agentRoutes } from './routes/agents.js';

export interface ControlPlaneDeps {
  readonly logger: Logger;
  readonly registry: AgentRegistry;
  readonly tokens: ApiTokens;
  readonly metrics: Metrics;
  /** Extra route groups (changes, configs, credentials, MCP, Slack) registered by their modules. */
  readonly plugins?: ReadonlyArray<(app: FastifyInstance) => void | Promise<void>>;
  /** Largest accepted request body where a route sets none. Default 64 KiB (src/api/body-limits.ts). */
  readonly bodyLimit?: number;
  /** Timeouts and the connection cap (AMPGATE_CONTROL_*); defaults below. */
  readonly limits?: ControlPlaneLimits;
  /** Whether an agent runs its desired config (filter and column of GET /api/agents); default: every agent unmanaged. */
  readonly configSync?: (agent: AgentRecord) => ConfigSync;
  /** Requests per second and burst per API token (AMPGATE_API_RATE/BURST); none: unlimited. */
  readonly apiRateLimit?: ApiRateLimitOptions;
  /** More of /healthz (the database, the replica); `ok: false` there answers 503. */
  readonly health?: () => { readonly ok: boolean } & Record<string, unknown>;
}

export interface ControlPlaneLimits {
  /** The whole request, body included, must arrive within this (408 and closed). Default 30000 ms. */
  readonly requestTimeoutMs?: number;
  /** The request headers must arrive within this. Default 10000 ms. */
  readonly headersTimeoutMs?: number;
  /** An idle keep-alive or stalled socket is closed after this. Default 60000 ms. */
  readonly idleTimeoutMs?: number;
  /** Open connections; beyond it new ones are closed at once. Default 512. */
  readonly maxConnections?: number;
}

/** One registered control-plane route (HEAD routes Fastify adds for GET routes included). */
export interface RouteInfo {
  readonly method: string;
  readonly url: string;
}

const ROUTES = new WeakMap<FastifyInstance, RouteInfo[]>();

/** Every route registered on a control plane built by buildControlPlane, in registration order. */
export function registeredRoutes(app: FastifyInstance): readonly RouteInfo[] {
  return ROUTES.get(app) ?? [];
}

export async function buildControlPlane(deps: ControlPlaneDeps): Promise<FastifyInstance> {
  const limits = deps.limits ?? {};
  const requestTimeout = limits.requestTimeoutMs ?? 30_000;
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'api' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    forceCloseConnections: true,
    // Slow bodies and slow headers are cut off (408) instead of holding a connection forever;
    // Node checks the deadlines every connectionsCheckingInterval, so keep that short.
    requestTimeout,
    connectionTimeout: limits.idleTimeoutMs ?? 60_000,
    // An idle keep-alive connection holds one of the capped slots: release it soon.
    keepAliveTimeout: 5_000,
    http: {
      headersTimeout: Math.min(limits.headersTimeoutMs ?? 10_000, requestTimeout),
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(requestTimeout / 4))),
    },
    // Router-level refusals (a path parameter over 100 characters: 414, a malformed URL: 400) in
    // the same error shape as everything else, not Fastify's default one.
    frameworkErrors: (err, _req, reply) => {
      void (reply as FastifyReply).code(err.statusCode ?? 400).send({ error: { code: 'bad_request', message: err.message } });
    },
  });
  app.server.maxConnections = limits.maxConnections ?? 512;
  // Recorded before any route exists, so the access-control suite can check every route, also
  // routes added later by other modules (the hook is inherited by encapsulated plugins).
  const routes: RouteInfo[] = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  installRequestMetrics(app, deps.metrics);
  if (deps.apiRateLimit) installApiRateLimit(app, deps.tokens, new ApiRateLimiter(deps.apiRateLimit));

  app.setErrorHandler((err: FastifyError | AmpgateError, req, reply) => {
    if (err instanceof AmpgateError) {
      const retry = err.details?.retryAfterSeconds;
      if (err.code === 'too_many_requests' && typeof retry === 'number') void reply.header('Retry-After', String(retry));
      return reply.code(err.status).send({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error({ err, url: req.url }, 'unhandled error in control-plane request');
    const code = status === 413 ? 'bad_request' : status === 415 ? 'bad_request' : status === 500 ? 'internal' : 'bad_request';
    return reply.code(status).send({ error: { code, message: status === 500 ? 'internal server error' : err.message } });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } }));

  app.get('/healthz', async (_req, reply) => {
    const more = deps.health?.();
    const ok = more?.ok ?? true;
    const { ok: _ok, ...details } = more ?? { ok: true };
    if (!ok) void reply.code(503);
    return { status: ok ? 'ok' : 'degraded', agents: { known: deps.registry.size, connected: deps.registry.connectedCount }, ...details };
  });
  app.get('/metrics', async (_req, reply) => {
    void reply.header('Content-Type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  agentRoutes(app, deps);
  for (const plugin of deps.plugins ?? []) await plugin(app);
  return app;
}
