/**
 * @module Rollout routes: live state of a rollout per agent (viewer) and its rollback. GET
 * /rollback returns the ready-made proposal inputs; POST /rollback (proposer) proposes them as new
 * change requests through the change service, which MCP and Slack call the same way.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ChangeRequest, ChangeService, Channel } from '../../changes/types.js';
import { AmpgateError, notFound } from '../../shared/errors.js';
import type { FleetActions } from '../../fleet/fleet-actions.js';
import type { ApiTokens } from '../../creds/api-tokens.js';
import { principalOf, requestChannel, requireRole } from '../auth.js';
import { parseInput } from '../validation.js';

const RollbackBody = z.object({
  /** Replaces the generated reason. */
  reason: z.string().min(1).max(2000).optional(),
  channel: z.enum(['rest', 'cli']).default('rest'),
});

const ViewQuery = z.object({
  offset: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(0).max(100_000).optional(),
  outcome: z.enum(['pending', 'offered', 'applying', 'succeeded', 'failed', 'skipped']).optional(),
});

export function rolloutRoutes(actions: FleetActions, tokens: ApiTokens, changes: () => ChangeService | undefined) {
  return (app: FastifyInstance): void => {
    const viewer = requireRole(tokens, 'viewer');
    const proposer = requireRole(tokens, 'proposer');

    app.get('/api/rollouts', { onRequest: viewer }, async () => ({ rollouts: actions.listRollouts() }));

    app.get<{ Params: { id: string } }>('/api/rollouts/:id', { onRequest: viewer }, async (req) => {
      const view = actions.rolloutView(req.params.id, parseInput(ViewQuery, req.query, 'bad_request'));
      if (!view) throw notFound(`rollout of change ${req.params.id}`);
      return view;
    });

    app.get<{ Params: { id: string } }>('/api/rollouts/:id/rollback', { onRequest: viewer }, async (req) => actions.rollbackPlan(req.params.id));

    app.post<{ Params: { id: string } }>('/api/rollouts/:id/rollback', { onRequest: proposer }, async (req, reply) => {
      const body = parseInput(RollbackBody, req.body ?? {});
      const service = changes();
      if (!service)
        throw new AmpgateError('unavailable', 'the change-request engine is not running; propose the GET /rollback proposals through POST /api/changes');
      const plan = actions.rollbackPlan(req.params.id);
      if (plan.proposals.length === 0) throw new AmpgateError('unprocessable', 'nothing to roll back', { notCovered: plan.notCovered });
      const requests: Array<{ request: ChangeRequest; existing: boolean }> = [];
      for (const p of plan.proposals) {
        // The authenticated channel (MCP, the console) wins over what the body claims.
        const via = requestChannel(req);
        const channel: Channel = via === 'rest' || via === 'cli' ? body.channel : via;
        requests.push(await service.propose(principalOf(req), { ...p, reason: body.reason ?? p.reason, channel }));
      }
      void reply.code(requests.some((r) => !r.existing) ? 201 : 200);
      return { requests, notCovered: plan.notCovered };
    });
  };
}
