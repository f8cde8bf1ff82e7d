/**
 * @module The resume executor: undoes a pause the way it was done. Agents paused through
 * io.opentelemetry.pause get `resume`; agents paused with a stand-in config get exactly their prior
 * config (same files, same hash) assigned again. An agent is resumed when it answers
 * {"paused": false}, or when its prior config is APPLIED.
 */
import type { ChangeExecutor, ChangePlan, ChangeRequest, ExecutionContext, ExecutionResult, TargetSpec } from '../../changes/types.js';
import { AmpgateError } from '../../shared/errors.js';
import { AgentCapabilities } from '../../gen/opamp/v1/opamp_pb.js';
import { hasCapability } from '../../protocol/capabilities.js';
import type { PauseRow } from '../../store/ports/pause.js';
import type { AgentRecord } from '../agent-state.js';
import { diffConfigs } from '../configs/diff.js';
import { PAUSE_CAPABILITY } from '../pause/pause-state.js';
import { planFingerprint } from '../../changes/fingerprint.js';
import { labelBreakdown, resolveTargets } from '../targeting.js';
import type { TargetProgress } from './await-targets.js';
import { parseParams } from './params.js';
import { nudgeAndAwait, PauseParamsSchema, type PauseDeps } from './pause.js';
import { methodsFingerprint } from './pause-plan.js';
import { effectiveMatches } from './rollout-eval.js';
import { riskOf } from '../../changes/risk.js';

/** Same waits as a pause. */
export const ResumeParamsSchema = PauseParamsSchema;

const reportsStatus = (a: AgentRecord | undefined) => a !== undefined && hasCapability(a.capabilities, AgentCapabilities.AgentCapabilities_ReportsRemoteConfig);

export class ResumeExecutor implements ChangeExecutor {
  readonly kind = 'resume' as const;

  constructor(readonly deps: PauseDeps) {}

  #eligibility = (a: AgentRecord): string | undefined => {
    const row = this.deps.pause.get(a.uid);
    if (!row) return 'not paused';
    if (row.method === 'custom' && !a.customCapabilities.includes(PAUSE_CAPABILITY)) {
      return `paused via ${PAUSE_CAPABILITY}, which its latest message no longer lists; it cannot be told to resume`;
    }
    if (row.method === 'config') {
      if (!hasCapability(a.capabilities, AgentCapabilities.AgentCapabilities_AcceptsRemoteConfig))
        return 'paused with a stand-in config, but its latest message lacks AcceptsRemoteConfig';
      if (!this.deps.desired.payload(row.prior_hash!)) return `its prior config ${row.prior_hash!.slice(0, 12)} is unknown`;
    }
    return undefined;
  };

  plan(target: TargetSpec, rawParams: Record<string, unknown>): ChangePlan {
    const params = parseParams('resume', ResumeParamsSchema, rawParams);
    const resolved = resolveTargets(this.deps.registry, target, this.#eligibility);
    const agents = resolved.agents;
    if (agents.length === 0)
      throw new AmpgateError(
        'unprocessable',
        `no agent can be resumed: ${resolved.ineligible
          .map((i) => `${i.uid} ${i.reason}`)
          .slice(0, 5)
          .join('; ')}`,
        { ineligible: resolved.ineligible },
      );
    const targets = agents.map((a) => a.uid);
    const rows = agents.map((a) => this.deps.pause.get(a.uid)!);
    const custom = rows.filter((r) => r.method === 'custom').length;
    const fallback = rows.filter((r) => r.method === 'config');
    const payloadFingerprint = methodsFingerprint(rows.map((r) => ({ uid: r.uid, method: r.method, extra: r.prior_hash ?? '' })));
    const risk = riskOf({ kind: 'resume', eligible: agents.length, ineligible: resolved.ineligible.length, fleetSize: this.deps.registry.size });
    const steps: string[] = [];
    if (custom > 0) steps.push(`send the ${PAUSE_CAPABILITY} "resume" message to ${custom} agent(s); each confirms with {"paused": false}`);
    if (fallback.length > 0)
      steps.push(`re-offer exactly the config ${fallback.length} agent(s) ran before the pause (same files and hash); resumed when it is APPLIED`);
    steps.push(`wait up to ${params.timeoutSeconds} s for connected agents to confirm; offline agents are resumed when they reconnect`);
    return {
      params,
      targets,
      ineligible: resolved.ineligible,
      payloadFingerprint,
      fingerprint: planFingerprint(this.kind, params, payloadFingerprint, targets),
      risk: risk.tier,
      preview: {
        summary:
          `Resume ${agents.length} paused agent${agents.length === 1 ? '' : 's'} (${custom} via ${PAUSE_CAPABILITY}, ${fallback.length} by ` +
          `restoring their prior config)`,
        agentCount: agents.length,
        labelBreakdown: labelBreakdown(agents),
        ineligible: resolved.ineligible,
        steps,
        ...(fallback.length > 0 ? { diffs: this.#diffs(fallback) } : {}),
        details: { viaCustomMessage: custom, viaPriorConfig: fallback.length, risk: risk.why, connected: agents.filter((a) => a.connected).length },
      },
    };
  }

  #diffs(rows: readonly PauseRow[]): Array<{ agents: string[]; diff: string }> {
    const groups = new Map<string, { agents: string[]; diff: string }>();
    for (const r of rows) {
      const key = `${r.pause_hash}|${r.prior_hash}`;
      let g = groups.get(key);
      if (!g) {
        const prior = this.deps.desired.payload(r.prior_hash!)!;
        const stand = this.deps.desired.payload(r.pause_hash!);
        groups.set(key, (g = { agents: [], diff: diffConfigs('pause stand-in', stand?.files, `prior config (${prior.label})`, prior.files) }));
      }
      g.agents.push(r.uid);
    }
    return [...groups.values()].slice(0, 20);
  }

  async execute(request: ChangeRequest, ctx: ExecutionContext): Promise<ExecutionResult> {
    const params = parseParams('resume', ResumeParamsSchema, request.params);
    const { pause, desired, now } = this.deps;
    const started = request.targets.some((uid) => pause.get(uid)?.change_id === request.id);
    if (!started) {
      const rows = request.targets.map((uid) => pause.get(uid)).filter((r): r is PauseRow => r !== undefined);
      for (const uid of request.targets) if (!pause.get(uid)) ctx.outcome(uid, 'skipped', 'not paused any more');
      this.deps.uow.durably(() => pause.put(rows.map((r) => ({ ...r, state: 'resuming' as const, change_id: request.id, error: '', updated_at: now() }))));
      const restore = rows.filter((r) => r.method === 'config').map((r) => ({ uid: r.uid, hash: r.prior_hash! }));
      if (restore.length > 0) desired.assign(restore, request.id);
      ctx.progress(
        `resuming ${rows.length} agent(s): ${rows.length - restore.length} via ${PAUSE_CAPABILITY}, ${restore.length} by restoring their prior config`,
      );
    }
    const result = await nudgeAndAwait(this.deps, request, ctx, { ...params, view: (uid) => this.#view(uid, request.id), verb: 'resumed' });
    // A refused resume leaves the agent paused (as it reported): the row goes back to 'paused'.
    for (const uid of request.targets) {
      const row = pause.get(uid);
      if (row?.change_id === request.id && row.error !== '') pause.put([{ ...row, state: 'paused', updated_at: now() }]);
    }
    return result;
  }

  #view(uid: string, changeId: string): TargetProgress {
    const row = this.deps.pause.get(uid);
    const agent = this.deps.registry.get(uid);
    if (!row) return { state: 'done', detail: 'resumed' };
    if (row.change_id !== changeId) return { state: 'superseded', detail: `now handled by change ${row.change_id}` };
    if (row.error !== '') return { state: 'error', detail: `not resumed: ${row.error}` };
    if (row.method === 'config' && !reportsStatus(agent) && effectiveMatches(agent, this.deps.desired.payload(row.prior_hash!)?.files)) {
      this.deps.pause.remove(uid);
      return { state: 'done', detail: 'resumed (its effective config is the prior config again)' };
    }
    if (!agent?.connected) return { state: 'offline', detail: 'offline: resumed when it reconnects' };
    return { state: 'waiting', detail: row.method === 'custom' ? 'resume sent, no status yet' : 'prior config sent, not APPLIED yet' };
  }
}
