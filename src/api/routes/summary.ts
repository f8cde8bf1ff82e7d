/**
 * @module GET /api/summary (viewer): the numbers at the top of the console: agents known,
 * connected, unhealthy and out of config sync; open change requests by state; running and halted
 * rollouts; uptime.
 */
import type { FastifyInstance } from 'fastify';
import type { ChangeService } from '../../changes/types.js';
import type { AgentRecord } from '../../fleet/agent-state.js';
import { fleetCounts, type ConfigSync } from '../../fleet/fleet-query.js';
import type { AgentRegistry } from '../../fleet/registry.js';
import type { ApiTokens } from '../../creds/api-tokens.js';
import { requireRole } from '../auth.js';

export interface SummaryDeps {
  readonly tokens: ApiTokens;
  readonly registry: AgentRegistry;
  readonly changes: ChangeService;
  readonly configSync: (agent: AgentRecord) => ConfigSync;
  readonly rollouts: () => ReadonlyArray<{ readonly state: string }>;
  readonly startedAt: number;
}

export function summaryRoutes(deps: SummaryDeps) {
  return (app: FastifyInstance): void => {
    app.get('/api/summary', { onRequest: requireRole(deps.tokens, 'viewer') }, async () => {
      const count = (state: 'pending' | 'approved' | 'executing') => deps.changes.list({ states: [state], limit: 1 }).total;
      const rollouts = deps.rollouts();
      return {
        agents: fleetCounts(deps.registry, deps.configSync),
        changes: { pending: count('pending'), approved: count('approved'), executing: count('executing') },
        rollouts: { running: rollouts.filter((r) => r.state === 'running').length, halted: rollouts.filter((r) => r.state === 'halted').length },
        uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
      };
    });
  };
}
