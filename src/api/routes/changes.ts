/**
 * @module Change requests over REST: propose, list, show, approve, reject, cancel. Routes only
 * authenticate and map the caller to a Principal; roles, self-approval, LLM rules and policy are
 * enforced by the change service (the one write path), which audits every denial.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { principalKey } from '../../changes/principal.js';
import { changeSummary } from '../../changes/views.js';
import { CHANGE_KINDS, CHANGE_STATES, type Channel, type ChangeService } from '../../changes/types.js';
import { notFound } from '../../shared/errors.js';
import type { ApiTokens } from '../../creds/api-tokens.js';
import { principalOf, requestChannel, requireRole } from '../auth.js';
import { PROPOSAL_BODY_LIMIT } from '../body-limits.js';
import { parseInput } from '../validation.js';

const ListQuery = z.object({
  state: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',').map((x) => x.trim()) : undefined))
    .pipe(z.array(z.enum(CHANGE_STATES)).optional()),
  kind: z.enum(CHANGE_KINDS).optional(),
  /** principal key (`api_token:<id>`, `slack:U…`) or `me`. */
  requester: z.string().min(1).max(200).optional(),
  /** Requests that touched this agent uid. */
  agent: z
    .string()
    .regex(/^[0-9a-fA-F-]{36}$/, 'an agent uid (UUID)')
    .transform((s) => s.toLowerCase())
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

const asObject = (body: unknown): Record<string, unknown> =>
  body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};

/** The CLI and the MCP layer say so in a header, the console by its session; anything else over REST is the REST channel. Never 'slack'. */
function channelOf(req: FastifyRequest): Channel {
  return requestChannel(req);
}

export function changeRoutes(app: FastifyInstance, deps: { tokens: ApiTokens; changes: ChangeService }): void {
  // Authentication only; the service checks the role each action needs (and audits denials).
  const authenticated = requireRole(deps.tokens, 'viewer');

  app.post('/api/changes', { onRequest: authenticated, bodyLimit: PROPOSAL_BODY_LIMIT }, async (req, reply) => {
    const body = req.body;
    const input = body && typeof body === 'object' && !Array.isArray(body) ? { ...body, channel: channelOf(req) } : body;
    const { request, existing } = await deps.changes.propose(principalOf(req), input as never);
    void reply.code(existing ? 200 : 201);
    return { request, existing };
  });

  app.get('/api/changes', { onRequest: authenticated }, async (req) => {
    const q = parseInput(ListQuery, req.query, 'bad_request');
    const requester = q.requester === 'me' ? principalKey(principalOf(req)) : q.requester;
    const { total, requests } = deps.changes.list({ states: q.state, kind: q.kind, requester, agent: q.agent, limit: q.limit, offset: q.offset });
    return { total, limit: q.limit, offset: q.offset, changes: requests.map(changeSummary) };
  });

  app.get<{ Params: { id: string } }>('/api/changes/:id', { onRequest: authenticated }, async (req) => {
    const request = deps.changes.get(req.params.id);
    if (!request) throw notFound(`change request ${req.params.id}`);
    return request;
  });

  for (const action of ['approve', 'reject', 'cancel'] as const) {
    app.post<{ Params: { id: string } }>(`/api/changes/:id/${action}`, { onRequest: authenticated }, async (req) => {
      const opts = { ...asObject(req.body), channel: channelOf(req) } as { channel: Channel };
      return deps.changes[action](principalOf(req), req.params.id, opts);
    });
  }
}
