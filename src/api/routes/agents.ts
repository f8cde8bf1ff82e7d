/**
 * @module GET /api/agents and GET /api/agents/:uid (viewer role).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AgentRecord } from '../../fleet/agent-state.js';
import { parseSelector, SelectorSyntaxError, type SelectorClause } from '../../fleet/attributes.js';
import { filterFleet, type ConfigSync } from '../../fleet/fleet-query.js';
import type { AgentRegistry } from '../../fleet/registry.js';
import { AmpgateError, notFound } from '../../shared/errors.js';
import { isUuidText } from '../../protocol/uid.js';
import type { ApiTokens } from '../../creds/api-tokens.js';
import { selectorHint } from '../../fleet/selector-hints.js';
import { requireRole } from '../auth.js';
import { parseInput } from '../validation.js';
import { agentDetail, agentSummary } from '../views.js';

const ListQuery = z.object({
  selector: z.string().max(2000).optional(),
  connected: z.enum(['true', 'false']).optional(),
  health: z.enum(['healthy', 'unhealthy', 'unknown']).optional(),
  configSync: z.enum(['in_sync', 'out_of_sync', 'unmanaged']).optional(),
  /** Case-insensitive substring of the uid or any attribute value. */
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export function agentRoutes(app: FastifyInstance, deps: { registry: AgentRegistry; tokens: ApiTokens; configSync?: (agent: AgentRecord) => ConfigSync }): void {
  const syncOf = deps.configSync ?? ((): ConfigSync => 'unmanaged');
  const viewer = requireRole(deps.tokens, 'viewer');

  app.get('/api/agents', { onRequest: viewer }, async (req) => {
    const q = parseInput(ListQuery, req.query, 'bad_request');
    let selector: SelectorClause[] | undefined;
    try {
      selector = q.selector === undefined ? undefined : parseSelector(q.selector);
    } catch (err) {
      if (err instanceof SelectorSyntaxError) throw new AmpgateError('bad_request', err.message);
      throw err;
    }
    const all = filterFleet(
      deps.registry,
      { selector, connected: q.connected === undefined ? undefined : q.connected === 'true', health: q.health, configSync: q.configSync, text: q.q },
      syncOf,
    );
    return {
      total: all.length,
      limit: q.limit,
      offset: q.offset,
      agents: all.slice(q.offset, q.offset + q.limit).map((a) => ({ ...agentSummary(a), configSync: syncOf(a) })),
      // A selector that alone matches nothing says why (unknown keys or values, with close matches).
      ...(all.length === 0 && selector?.length && deps.registry.query({ selector }).length === 0
        ? { hint: selectorHint(deps.registry.all(), selector).message }
        : {}),
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
