/**
 * @module The pause executor. Agents listing io.opentelemetry.pause get the `pause` custom
 * message; agents without it but with AcceptsRemoteConfig get a stand-in "nothing runs" config,
 * and the config they ran before is remembered (agent_pause.prior_hash) so resume restores exactly
 * it. Pause state is written durably before anything is sent.
 */
import { z } from 'zod';
import type { ChangeExecutor, ChangePlan, ChangeRequest, ExecutionContext, ExecutionResult, TargetSpec } from '../../changes/types.js';
import { AmpgateError } from '../../shared/errors.js';
import { AgentCapabilities } from '../../gen/opamp/v1/opamp_pb.js';
import { hasCapability } from '../../protocol/capabilities.js';
import type { UnitOfWork } from '../../store/ports/store.js';
import type { PauseRow } from '../../store/ports/pause.js';
import type { AgentRecord } from '../agent-state.js';
import { filesToJson } from '../configs/hash.js';
import type { Fleet } from '../fleet.js';
import { PAUSE_CAPABILITY, type PauseState } from '../pause/pause-state.js';
import type { AgentRegistry } from '../registry.js';
import type { DesiredConfigs } from '../remote-config/desired-state.js';
import { planFingerprint } from '../../changes/fingerprint.js';
import { labelBreakdown, resolveTargets } from '../targeting.js';
import { awaitTargets, type TargetProgress } from './await-targets.js';
import { parseParams } from './params.js';
import { methodsFingerprint, pauseMethod, type PauseMethodPlan } from './pause-plan.js';
import { diffConfigs } from '../configs/diff.js';
import { effectiveMatches } from './rollout-eval.js';
import { riskOf } from '../../changes/risk.js';

export const PauseParamsSchema = z
  .object({
    /** How long connected agents get to confirm. */
    timeoutSeconds: z.number().int().min(1).max(86_400).default(120),
    /** Then how long offline agents get to come back before the request finishes. */
    pendingWaitSeconds: z.number().int().min(0).max(86_400).default(60),
  })
  .strict();

export interface PauseDeps {
  readonly registry: AgentRegistry;
  readonly fleet: Fleet;
  readonly desired: DesiredConfigs;
  readonly pause: PauseState;
  readonly uow: UnitOfWork;
  readonly now: () => number;
}

/** Events that can change a pause/resume target's view. */
function pauseEvents(deps: PauseDeps) {
  return (wake: () => void) => {
    deps.pause.events.on('changed', wake);
    deps.desired.events.on('attempt', wake);
    deps.registry.events.on('connected', wake);
    deps.registry.events.on('disconnected', wake);
    return () => {
      deps.pause.events.off('changed', wake);
      deps.desired.events.off('attempt', wake);
      deps.registry.events.off('connected', wake);
      deps.registry.events.off('disconnected', wake);
    };
  };
}

/**
 * Pushes a pause or resume to its targets and waits for each to confirm (custom-message status or
 * APPLIED stand-in/prior config), go offline past the bounded wait, or fail; shared by both executors.
 */
export function nudgeAndAwait(
  deps: PauseDeps,
  request: ChangeRequest,
  ctx: ExecutionContext,
  o: { readonly timeoutSeconds: number; readonly pendingWaitSeconds: number; readonly view: (uid: string) => TargetProgress; readonly verb: string },
): Promise<ExecutionResult> {
  for (const uid of request.targets) deps.fleet.nudge(uid);
  return awaitTargets(
    {
      uids: request.targets,
      view: o.view,
      timeoutSeconds: o.timeoutSeconds,
      pendingWaitSeconds: o.pendingWaitSeconds,
      subscribe: pauseEvents(deps),
      registry: deps.registry,
      now: deps.now,
      previous: request.outcomes,
      verb: o.verb,
    },
    ctx,
  );
}

const reportsStatus = (a: AgentRecord | undefined) => a !== undefined && hasCapability(a.capabilities, AgentCapabilities.AgentCapabilities_ReportsRemoteConfig);

export class PauseExecutor implements ChangeExecutor {
  readonly kind = 'pause' as const;

  constructor(readonly deps: PauseDeps) {}

  #resolve(target: TargetSpec) {
    const methods = new Map<string, PauseMethodPlan>();
    const resolved = resolveTargets(this.deps.registry, target, (a) => {
      const m = pauseMethod(a, this.deps.pause, this.deps.desired);
      if ('reason' in m) return m.reason;
      methods.set(a.uid, m);
      return undefined;
    });
    return { resolved, methods };
  }

  plan(target: TargetSpec, rawParams: Record<string, unknown>): ChangePlan {
    const params = parseParams('pause', PauseParamsSchema, rawParams);
    const { resolved, methods } = this.#resolve(target);
    const agents = resolved.agents;
    if (agents.length === 0)
      throw new AmpgateError(
        'unprocessable',
        `no agent can be paused: ${resolved.ineligible
          .map((i) => `${i.uid} ${i.reason}`)
          .slice(0, 5)
          .join('; ')}`,
        { ineligible: resolved.ineligible },
      );
    const targets = agents.map((a) => a.uid);
    const custom = agents.filter((a) => methods.get(a.uid)!.method === 'custom');
    const fallback = agents.filter((a) => methods.get(a.uid)!.method === 'config');
    const payloadFingerprint = methodsFingerprint(targets.map((uid) => ({ uid, method: methods.get(uid)!.method })));
    const risk = riskOf({ kind: 'pause', eligible: agents.length, ineligible: resolved.ineligible.length, fleetSize: this.deps.registry.size });
    const steps: string[] = [];
    if (custom.length > 0) steps.push(`send the ${PAUSE_CAPABILITY} "pause" message to ${custom.length} agent(s); each confirms with {"paused": true}`);
    if (fallback.length > 0) {
      steps.push(
        `replace the config of ${fallback.length} agent(s) without ${PAUSE_CAPABILITY} with a stand-in that runs nothing, remembering the config each ` +
          `runs at execution time; resume restores exactly that config`,
      );
    }
    steps.push(`wait up to ${params.timeoutSeconds} s for connected agents to confirm; offline agents are paused when they reconnect (pause state is stored)`);
    return {
      params,
      targets,
      ineligible: resolved.ineligible,
      payloadFingerprint,
      fingerprint: planFingerprint(this.kind, params, payloadFingerprint, targets),
      risk: risk.tier,
      preview: {
        summary:
          `Pause ${agents.length} agent${agents.length === 1 ? '' : 's'} (${custom.length} via ${PAUSE_CAPABILITY}, ${fallback.length} with a ` +
          `stand-in config)`,
        agentCount: agents.length,
        labelBreakdown: labelBreakdown(agents),
        ineligible: resolved.ineligible,
        steps,
        ...(fallback.length > 0 ? { diffs: fallbackDiffs(fallback, methods) } : {}),
        details: { viaCustomMessage: custom.length, viaStandInConfig: fallback.length, risk: risk.why, connected: agents.filter((a) => a.connected).length },
      },
    };
  }

  async execute(request: ChangeRequest, ctx: ExecutionContext): Promise<ExecutionResult> {
    const params = parseParams('pause', PauseParamsSchema, request.params);
    const { pause } = this.deps;
    const started = request.targets.some((uid) => pause.get(uid)?.change_id === request.id);
    if (!started) this.#start(request, ctx);
    const result = await nudgeAndAwait(this.deps, request, ctx, { ...params, view: (uid) => this.#view(uid, request.id), verb: 'paused' });
    // An agent that refused (or whose stand-in FAILED) is not paused: forget the row. Its failed
    // stand-in attempt is never re-offered. Where the stand-in is in place but not effective (the
    // agent kept running its own pipelines), its prior config is put back, exactly as resume would.
    const restore: Array<{ uid: string; hash: string }> = [];
    for (const uid of request.targets) {
      const row = pause.get(uid);
      if (row?.change_id !== request.id || row.error === '') continue;
      const attempt = this.deps.desired.get(uid);
      if (row.method === 'config' && attempt?.change_id === request.id && attempt.hash === row.pause_hash && attempt.status === 'applied')
        restore.push({ uid, hash: row.prior_hash! });
      pause.remove(uid);
    }
    if (restore.length > 0) {
      this.deps.desired.assign(restore, request.id);
      for (const r of restore) this.deps.fleet.nudge(r.uid);
      ctx.progress(`the stand-in was not effective on ${restore.length} agent(s): their prior config was put back`);
    }
    return result;
  }

  #start(request: ChangeRequest, ctx: ExecutionContext): void {
    const { pause, desired, registry, now } = this.deps;
    const rows: PauseRow[] = [];
    const assign: Array<{ uid: string; hash: string }> = [];
    for (const uid of request.targets) {
      const agent = registry.get(uid);
      const m = agent ? pauseMethod(agent, pause, desired) : { reason: 'unknown agent' };
      if ('reason' in m) {
        ctx.outcome(uid, 'skipped', `not paused: ${m.reason}`);
        continue;
      }
      if (m.method === 'custom') {
        rows.push({ uid, method: 'custom', state: 'pausing', change_id: request.id, prior_hash: null, pause_hash: null, error: '', updated_at: now() });
        continue;
      }
      rows.push({
        uid,
        method: 'config',
        state: 'pausing',
        change_id: request.id,
        prior_hash: m.prior.hash,
        pause_hash: m.pause.hash,
        error: '',
        updated_at: now(),
      });
      pause.noteStandInStart(uid, agent!.effectiveConfigHash);
      assign.push({ uid, hash: m.pause.hash });
      if (m.prior.captured) desired.repo.putPayload(m.prior.hash, filesToJson(m.prior.files), m.prior.label, now());
      desired.registerPayload(m.pause.files, `pause stand-in: ${m.pause.description}`);
    }
    this.deps.uow.durably(() => pause.put(rows));
    if (assign.length > 0) desired.assign(assign, request.id);
    ctx.progress(
      `pausing ${rows.length} agent(s): ${rows.filter((r) => r.method === 'custom').length} via ${PAUSE_CAPABILITY}, ${assign.length} with a stand-in config`,
    );
  }

  #view(uid: string, changeId: string): TargetProgress {
    const row = this.deps.pause.get(uid);
    const agent = this.deps.registry.get(uid);
    if (!row) return { state: 'superseded', detail: 'not paused by this change (resumed since, or no longer eligible at execution)' };
    if (row.change_id !== changeId) return { state: 'superseded', detail: `now handled by change ${row.change_id}` };
    const how =
      row.method === 'custom'
        ? `via ${PAUSE_CAPABILITY}`
        : `stand-in config ${row.pause_hash!.slice(0, 12)} APPLIED; resume restores ${row.prior_hash!.slice(0, 12)}`;
    if (row.error !== '') return { state: 'error', detail: `not paused: ${row.error}` };
    if (row.state === 'paused') return { state: 'done', detail: `paused (${how})` };
    if (row.method === 'config' && !reportsStatus(agent)) {
      const payload = this.deps.desired.payload(row.pause_hash!);
      if (effectiveMatches(agent, payload?.files)) return { state: 'done', detail: 'paused (its effective config is the stand-in)' };
    }
    if (!agent?.connected) return { state: 'offline', detail: 'offline: paused when it reconnects (pause state is stored)' };
    const standIn = this.deps.desired.get(uid);
    if (row.method === 'config' && standIn?.hash === row.pause_hash && standIn.status === 'applied') {
      return { state: 'waiting', detail: 'stand-in config APPLIED; waiting for the effective config to show that nothing runs' };
    }
    return { state: 'waiting', detail: row.method === 'custom' ? 'pause sent, no status yet' : 'stand-in config sent, not APPLIED yet' };
  }
}

function fallbackDiffs(agents: readonly AgentRecord[], methods: Map<string, PauseMethodPlan>): Array<{ agents: string[]; diff: string }> {
  const groups = new Map<string, { agents: string[]; diff: string }>();
  for (const a of agents) {
    const m = methods.get(a.uid)!;
    if (m.method !== 'config') continue;
    const key = `${m.prior.hash}|${m.pause.hash}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { agents: [], diff: diffConfigs(`current (${m.prior.label})`, m.prior.files, 'pause stand-in', m.pause.files) }));
    g.agents.push(a.uid);
  }
  return [...groups.values()].slice(0, 20);
}
