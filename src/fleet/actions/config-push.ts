/**
 * @module The config_push executor: plans a staged rollout of one catalog version to the eligible
 * targets (AcceptsRemoteConfig in their latest message, not paused with a stand-in config), and
 * executes it through the RolloutRunner once the change request is approved.
 */
import { z } from 'zod';
import type { ChangeExecutor, ChangePlan, ChangePreview, ChangeRequest, ExecutionContext, ExecutionResult, TargetSpec } from '../../changes/types.js';
import { AmpgateError } from '../../shared/errors.js';
import { AgentCapabilities } from '../../gen/opamp/v1/opamp_pb.js';
import { hasCapability } from '../../protocol/capabilities.js';
import type { ConfigVersionRow } from '../../store/ports/configs.js';
import type { AgentRecord } from '../agent-state.js';
import type { ConfigCatalog } from '../configs/catalog.js';
import { kindMismatch } from '../configs/flavor-match.js';
import type { PauseState } from '../pause/pause-state.js';
import { planFingerprint } from '../../changes/fingerprint.js';
import { labelBreakdown, resolveTargets } from '../targeting.js';
import { parseParams } from './params.js';
import { groupedDiffs } from './preview-diffs.js';
import { riskOf } from '../../changes/risk.js';
import type { RolloutDeps, RolloutOptions, RolloutResult, RolloutRunner } from './rollout-runner.js';
import { canaryOrder, parseCanary, stageSizes, stageSteps } from './staging.js';

export const ConfigPushParamsSchema = z
  .object({
    config: z.string().min(1),
    version: z.coerce.number().int().min(1).optional(),
    canary: z.union([z.number(), z.string()]).default('10%'),
    bakeSeconds: z.number().int().min(0).max(3600).default(30),
    stageTimeoutSeconds: z.number().int().min(1).max(86_400).default(300),
    pendingWaitSeconds: z.number().int().min(0).max(86_400).default(60),
    /** Set by the rollback helper: the change whose attempts this push rolls back. */
    rollbackOf: z.string().min(1).optional(),
  })
  .strict();

export interface ConfigPushDeps extends RolloutDeps {
  readonly catalog: ConfigCatalog;
  readonly pause: PauseState;
  readonly runner: RolloutRunner;
}

const remoteConfigEligibility = (pause: PauseState) => (a: AgentRecord) => {
  if (!hasCapability(a.capabilities, AgentCapabilities.AgentCapabilities_AcceptsRemoteConfig)) return 'lacks AcceptsRemoteConfig in its latest message';
  const p = pause.get(a.uid);
  if (p?.method === 'config') return `paused with a stand-in config (change ${p.change_id}); resume it first`;
  return undefined;
};

export class ConfigPushExecutor implements ChangeExecutor {
  readonly kind = 'config_push' as const;

  constructor(readonly deps: ConfigPushDeps) {}

  #version(params: z.output<typeof ConfigPushParamsSchema>): ConfigVersionRow {
    try {
      return this.deps.catalog.get(params.config, params.version);
    } catch (err) {
      if (err instanceof AmpgateError && err.code === 'not_found')
        throw new AmpgateError('unprocessable', err.message.replace(/ not found$/, ' does not exist in the catalog'));
      throw err;
    }
  }

  plan(target: TargetSpec, rawParams: Record<string, unknown>): ChangePlan {
    const p = parseParams('config_push', ConfigPushParamsSchema, rawParams);
    parseCanary(p.canary);
    const v = this.#version(p);
    const { registry } = this.deps;
    const resolved = resolveTargets(registry, target, remoteConfigEligibility(this.deps.pause));
    const agents = resolved.agents;
    if (agents.length === 0) {
      throw new AmpgateError(
        'unprocessable',
        `no eligible agent: ${resolved.ineligible
          .map((i) => `${i.uid} ${i.reason}`)
          .slice(0, 5)
          .join('; ')}`,
        { ineligible: resolved.ineligible },
      );
    }
    const params = { ...p, version: v.version };
    const targets = agents.map((a) => a.uid);
    const risk = riskOf({ kind: 'config_push', eligible: agents.length, ineligible: resolved.ineligible.length, fleetSize: registry.size });
    let preview: ChangePreview | undefined;
    const buildPreview = () => this.#preview(p, v, agents, resolved.ineligible, risk.why);
    return {
      params,
      targets,
      ineligible: resolved.ineligible,
      payloadFingerprint: v.config_hash,
      fingerprint: planFingerprint(this.kind, params, v.config_hash, targets),
      risk: risk.tier,
      // Built on first read: the drift check that re-plans a 10k-agent push right before it is
      // sent needs only the fingerprints, and the label breakdown and diffs cost ~100 ms there.
      get preview() {
        return (preview ??= buildPreview());
      },
    };
  }

  #preview(
    p: z.output<typeof ConfigPushParamsSchema>,
    v: ConfigVersionRow,
    agents: readonly AgentRecord[],
    ineligible: ChangePlan['ineligible'],
    riskWhy: string,
  ): ChangePreview {
    const targets = agents.map((a) => a.uid);
    const files = this.deps.catalog.files(v);
    const sizes = stageSizes(p.canary, agents.length);
    const bad = new Set(this.deps.attempts.badOutcomes(v.config_hash).map((o) => o.uid));
    const failedBefore = targets.filter((u) => bad.has(u));
    const silent = agents.filter((a) => !hasCapability(a.capabilities, AgentCapabilities.AgentCapabilities_ReportsRemoteConfig)).length;
    const steps = stageSteps(p.canary, agents.length, p.bakeSeconds, p.stageTimeoutSeconds);
    if (sizes.length > 1 && silent === agents.length)
      steps.push('warning: no target reports remote config status, so the canary cannot confirm and the rollout will halt; use canary "100%"');
    const mismatch = kindMismatch(`${v.name} v${v.version}`, files, agents);
    if (mismatch) steps.push(mismatch.warning);
    if (failedBefore.length > 0)
      steps.push(`warning: this config FAILED or was rolled back before on ${failedBefore.length} of these agents (${failedBefore.slice(0, 3).join(', ')})`);
    return {
      summary:
        `${p.rollbackOf ? `Roll back ${p.rollbackOf}: push` : 'Push'} ${v.name} v${v.version} (config hash ${v.config_hash.slice(0, 12)}…) to ` +
        `${agents.length} agent${agents.length === 1 ? '' : 's'}`,
      agentCount: agents.length,
      labelBreakdown: labelBreakdown(agents),
      ineligible,
      steps,
      diffs: groupedDiffs(agents, files, `${v.name} v${v.version}`),
      details: {
        config: v.name,
        version: v.version,
        configHash: v.config_hash,
        contentType: v.content_type,
        author: v.author_name,
        stages: sizes.join(' + '),
        risk: riskWhy,
        connected: agents.filter((a) => a.connected).length,
        unhealthyNow: agents.filter((a) => a.healthy === false).length,
        notReportingStatus: silent,
        alreadyApplied: agents.filter((a) => a.remoteConfigStatus?.hash === v.config_hash && a.remoteConfigStatus.status === 'APPLIED').length,
        failedBefore: failedBefore.length,
        ...(mismatch ? { kindMismatch: mismatch.count } : {}),
        ...(p.rollbackOf ? { rollbackOf: p.rollbackOf } : {}),
      },
    };
  }

  async execute(request: ChangeRequest, ctx: ExecutionContext): Promise<ExecutionResult> {
    const p = parseParams('config_push', ConfigPushParamsSchema, request.params);
    const resumed = this.deps.rollouts.get(request.id) !== undefined;
    if (!resumed) this.#start(request, p);
    const result = await this.deps.runner.run(request.id, request.outcomes, ctx, resumed);
    return summarize(result, request.id);
  }

  #start(request: ChangeRequest, p: z.output<typeof ConfigPushParamsSchema>): void {
    const v = this.#version(p);
    const agents = canaryOrder(request.targets.map((u) => this.deps.registry.get(u)).filter((a): a is AgentRecord => a !== undefined));
    const sizes = stageSizes(p.canary, agents.length);
    const options: RolloutOptions = { bakeSeconds: p.bakeSeconds, stageTimeoutSeconds: p.stageTimeoutSeconds, pendingWaitSeconds: p.pendingWaitSeconds };
    const now = this.deps.now();
    this.deps.uow.durably(() => {
      this.deps.rollouts.create(
        { changeId: request.id, kind: 'config_push', label: `${v.name} v${v.version}`, stageCount: sizes.length, options: JSON.stringify(options), now },
        agents.map((a, i) => ({ uid: a.uid, stage: i < sizes[0]! ? 0 : 1, hash: v.config_hash, healthy: a.healthy })),
      );
    });
    if (p.rollbackOf) {
      const replaced = this.deps.attempts.byChange(p.rollbackOf).filter((a) => request.targets.includes(a.uid));
      this.deps.desired.markRolledBack(
        replaced.map((a) => a.id),
        `rolled back by change ${request.id}`,
      );
    }
  }
}

/** Maps a rollout result to the request's terminal state and a one-paragraph summary. */
export function summarize(r: RolloutResult, changeId: string): ExecutionResult {
  const c = r.counts;
  const bad = c.failed + c.rolled_back + c.unhealthy + r.timedOut.length;
  const parts = [`applied on ${c.applied}/${r.total}`];
  if (c.failed + c.rolled_back > 0) parts.push(`${c.failed + c.rolled_back} failed or rolled back`);
  if (c.unhealthy > 0) parts.push(`${c.unhealthy} turned unhealthy`);
  if (r.timedOut.length > 0) parts.push(`${r.timedOut.length} sent but unconfirmed in time`);
  if (c.unconfirmed > 0) parts.push(`${c.unconfirmed} delivered to agents that do not report status`);
  if (c.pending_offline > 0) parts.push(`${c.pending_offline} offline (they receive the config when they reconnect)`);
  if (c.superseded > 0) parts.push(`${c.superseded} superseded by a later change`);
  if (c.not_sent > 0) parts.push(`${c.not_sent} not sent`);
  if (r.state === 'halted') {
    return {
      state: c.applied > 0 ? 'partially_failed' : 'failed',
      summary: `halted: ${r.haltReason}. ${parts.join('; ')}. Roll back with GET/POST /api/rollouts/${changeId}/rollback.`,
    };
  }
  if (bad > 0) return { state: c.applied > 0 ? 'partially_failed' : 'failed', summary: `${parts.join('; ')}.` };
  return { state: 'succeeded', summary: `${parts.join('; ')}.` };
}
