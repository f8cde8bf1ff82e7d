/**
 * @module MCP tools for rollouts: where a config rollout stands (per stage, per agent, paged), what
 * rolling it back would propose, and (for proposers) proposing that rollback — which, like every
 * proposal, is a pending change request that humans approve.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ApiClient } from '../api/client.js';
import type { ChangeRequest } from '../changes/types.js';
import { guarded, nextOffset, Offset, ok, PROPOSE, READ } from './tool-kit.js';
import { ChangeDetail, changeDetail } from './views.js';

const OUTCOMES = ['pending', 'offered', 'applying', 'succeeded', 'failed', 'skipped'] as const;

const RolloutStatus = {
  changeId: z.string(),
  kind: z.string(),
  label: z.string().describe('config name and version'),
  state: z.string().describe('running, halted or completed'),
  stage: z.number().int().describe('current stage, from 1'),
  stageCount: z.number().int(),
  haltReason: z.string().nullable(),
  startedAt: z.string(),
  updatedAt: z.string().nullable(),
  stages: z
    .array(z.object({ stage: z.number().int(), total: z.number().int(), outcomes: z.record(z.string(), z.number()) }))
    .describe('per stage: how many agents have each outcome'),
  targetsTotal: z.number().int().describe('agents matching the outcome filter'),
  offset: z.number().int(),
  nextOffset: z.number().int().nullable(),
  targets: z.array(
    z.object({
      uid: z.string(),
      stage: z.number().int(),
      outcome: z.enum(OUTCOMES),
      detail: z.string(),
      connected: z.boolean(),
      healthy: z.boolean().nullable(),
    }),
  ),
};

interface RestRolloutView {
  changeId: string;
  kind: string;
  label: string;
  state: string;
  stage: number;
  stageCount: number;
  haltReason: string | null;
  startedAt: string;
  updatedAt: string | null;
  stages: Array<{ stage: number; total: number; outcomes: Record<string, number> }>;
  targetsTotal: number;
  targets: Array<{ uid: string; stage: number; outcome: { status: (typeof OUTCOMES)[number]; detail: string }; connected: boolean; healthy: boolean | null }>;
}

interface RestRollbackPlan {
  changeId: string;
  rollout: string;
  proposals: Array<{ kind: string; target: { agents: string[] }; params: { config: string; version: number }; reason: string }>;
  notCovered: Array<{ uid: string; reason: string }>;
}

const NotCovered = z.array(z.object({ uid: z.string(), reason: z.string() })).describe('agents the rollback would not touch, with why (first 50)');

function notCovered(list: RestRollbackPlan['notCovered']) {
  return { notCovered: list.slice(0, 50), notCoveredTotal: list.length };
}

export function registerRolloutTools(server: McpServer, backend: ApiClient, names: string[], canPropose: boolean): void {
  server.registerTool(
    'get_rollout_status',
    {
      title: 'Get rollout status',
      description:
        'Where a config rollout (the execution of an approved config_push change request) stands: its state and halt reason, per-stage outcome ' +
        'counts, and its agents with their outcome, paged and optionally only one outcome (e.g. failed).',
      inputSchema: {
        id: z.string().min(1).max(100).describe('the change request id'),
        outcome: z.enum(OUTCOMES).optional().describe('only agents with this outcome'),
        limit: z.number().int().min(0).max(200).default(50),
        offset: Offset,
      },
      outputSchema: RolloutStatus,
      annotations: READ,
    },
    async ({ id, outcome, limit, offset }) =>
      guarded(async () => {
        const q = new URLSearchParams({ limit: String(limit), offset: String(offset) });
        if (outcome) q.set('outcome', outcome);
        const v = await backend.get<RestRolloutView>(`/api/rollouts/${encodeURIComponent(id)}?${q}`);
        return ok({
          changeId: v.changeId,
          kind: v.kind,
          label: v.label,
          state: v.state,
          stage: v.stage,
          stageCount: v.stageCount,
          haltReason: v.haltReason,
          startedAt: v.startedAt,
          updatedAt: v.updatedAt,
          stages: v.stages,
          targetsTotal: v.targetsTotal,
          offset,
          nextOffset: nextOffset(offset, v.targets.length, v.targetsTotal),
          targets: v.targets.map((t) => ({
            uid: t.uid,
            stage: t.stage,
            outcome: t.outcome.status,
            detail: t.outcome.detail,
            connected: t.connected,
            healthy: t.healthy,
          })),
        });
      }),
  );

  server.registerTool(
    'preview_rollback',
    {
      title: 'Preview rollback',
      description:
        'What rolling back a halted or completed config rollout would propose: per previous config version, the agents that would get it back, and ' +
        'the agents it cannot cover. Proposes nothing.',
      inputSchema: { id: z.string().min(1).max(100).describe('the change request id of the rollout') },
      outputSchema: {
        changeId: z.string(),
        rollout: z.string(),
        proposals: z.array(
          z.object({
            config: z.string(),
            version: z.number().int(),
            agentCount: z.number().int(),
            agents: z.array(z.string()).describe('the first 20'),
            reason: z.string(),
          }),
        ),
        notCovered: NotCovered,
        notCoveredTotal: z.number().int(),
      },
      annotations: READ,
    },
    async ({ id }) =>
      guarded(async () => {
        const plan = await backend.get<RestRollbackPlan>(`/api/rollouts/${encodeURIComponent(id)}/rollback`);
        return ok({
          changeId: plan.changeId,
          rollout: plan.rollout,
          proposals: plan.proposals.map((p) => ({
            config: p.params.config,
            version: p.params.version,
            agentCount: p.target.agents.length,
            agents: p.target.agents.slice(0, 20),
            reason: p.reason,
          })),
          ...notCovered(plan.notCovered),
        });
      }),
  );
  names.push('get_rollout_status', 'preview_rollback');
  if (!canPropose) return;

  server.registerTool(
    'propose_rollback',
    {
      title: 'Propose rollback',
      description:
        'Propose rolling a halted or completed config rollout back: one PENDING config_push change request per previous config version, restoring ' +
        'what each agent ran before. Authorised humans must approve each before anything is sent. Repeating it returns the open requests.',
      inputSchema: {
        id: z.string().min(1).max(100).describe('the change request id of the rollout'),
        reason: z.string().min(3).max(1000).optional().describe('why; default: a generated reason naming the rollout'),
      },
      outputSchema: {
        requests: z.array(z.object({ ...ChangeDetail.shape, existing: z.boolean() })),
        notCovered: NotCovered,
        notCoveredTotal: z.number().int(),
      },
      annotations: PROPOSE,
    },
    async ({ id, reason }) =>
      guarded(async () => {
        const res = await backend.post<{ requests: Array<{ request: ChangeRequest; existing: boolean }>; notCovered: RestRollbackPlan['notCovered'] }>(
          `/api/rollouts/${encodeURIComponent(id)}/rollback`,
          reason === undefined ? {} : { reason },
        );
        return ok({ requests: res.requests.map((r) => ({ ...changeDetail(r.request), existing: r.existing })), ...notCovered(res.notCovered) });
      }),
  );
  names.push('propose_rollback');
}
