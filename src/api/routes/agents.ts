/**
 * @module GET /api/agents and GET /api/agents/:uid (viewer role).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseSelector, SelectorSyntaxError } from '../../fleet/attributes.js';
import type { AgentRegistry } from '../../fleet/registry.js';
import { AmpgateError, notFound } from '../../errors.js';
import { isUuidText } from '../../opamp/uid.js';
import type { ApiTokensRepo } from '../../store/api-tokens-repo.js';
import { requireRole } from '../auth.js';
import { parseInput } from '../validation.js';
import { agentDetail, agentSummary } from '../views.js';

const ListQuery = z.object({
  selector: z.string().max(2000).optional(),
  connected: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export function agentRoutes(app: FastifyInstance, deps: { registry: AgentRegistry; tokens: ApiTokensRepo }): void {
  const viewer = requireRole(deps.tokens, 'viewer');

  app.get('/api/agents', { onRequest: viewer }, async (req) => {
    const q = parseInput(ListQuery, req.query, 'bad_request');
    let selector;
    try {
      selector = q.selector === undefined ? undefined : parseSelector(q.selector);
    } catch (err) {
      if (err instanceof SelectorSyntaxError) throw new AmpgateError('bad_request', err.message);
      throw err;
    }
    const all = deps.registry.query({ selector, connected: q.connected === undefined ? undefined : q.connected === 'true' });
    return {
      total: all.length,
      limit: q.limit,
      offset: q.offset,
      agents: all.slice(q.offset, q.offset + q.limit).map(agentSummary),
    };
  });

  app.get<{ Params: { uid: string } }>('/api/agents/:uid', { onRequest: viewer }, async (req) => {
    const uid = req.params.uid.toLowerCase();
    if (!isUuidText(uid)) throw new AmpgateError('bad_request', 'agent uid must be a UUID, e.g. 0190f3c4-8a6b-7c2e-9d1a-2b3c4d5e6f70');
    const agent = deps.registry.get(uid);
    if (!agent) throw notFound(`agent ${uid}`);
    return agentDetail(agent);
  });
}
