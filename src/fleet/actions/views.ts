/**
 * @module JSON views of rollouts and of an agent's remote-config state, shared by REST, MCP and
 * Slack so every channel shows the same thing. No config bodies here (they can be large; the
 * catalog serves them), only hashes and labels.
 */
import type { AttemptRow } from '../../store/ports/remote-config.js';
import type { RolloutOptions, RolloutRunner } from './rollout-runner.js';
import type { RolloutRow, RolloutsStore } from '../../store/ports/rollouts.js';
import type { DesiredConfigs } from '../remote-config/desired-state.js';
import type { AgentRegistry } from '../registry.js';
import type { PauseState } from '../pause/pause-state.js';
import { outcomeOf } from './rollout-eval.js';
import { configSyncOf } from '../fleet-query.js';

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

export interface AttemptView {
  readonly id: number;
  readonly changeId: string;
  readonly configHash: string;
  readonly label: string;
  readonly status: AttemptRow['status'];
  readonly error: string;
  readonly previousHash: string | null;
  readonly effectiveConfigHash: string | null;
  readonly createdAt: string;
  readonly offeredAt: string | null;
  readonly updatedAt: string;
}

function attemptView(a: AttemptRow, desired: DesiredConfigs): AttemptView {
  return {
    id: a.id,
    changeId: a.change_id,
    configHash: a.hash,
    label: desired.payload(a.hash)?.label ?? a.hash.slice(0, 12),
    status: a.status,
    error: a.error,
    previousHash: a.previous_hash,
    effectiveConfigHash: a.effective_config_hash,
    createdAt: iso(a.created_at)!,
    offeredAt: iso(a.offered_at),
    updatedAt: iso(a.updated_at)!,
  };
}

type RolloutHead = Pick<RolloutRow, 'change_id' | 'kind' | 'label' | 'state' | 'stage' | 'stage_count' | 'halt_reason' | 'started_at'>;

/** The fields of a rollout shown in lists and at the top of its detail view (stages counted from 1). */
export function rolloutSummary(r: RolloutHead) {
  return {
    changeId: r.change_id,
    kind: r.kind,
    label: r.label,
    state: r.state,
    stage: r.stage + 1,
    stageCount: r.stage_count,
    haltReason: r.halt_reason,
    startedAt: new Date(r.started_at).toISOString(),
  };
}

/** Which targets of a rollout to list in full (all by default; the console pages through them). */
export interface TargetPage {
  readonly offset?: number;
  readonly limit?: number;
  /** Only targets with this outcome status (pending, offered, applying, succeeded, failed, skipped). */
  readonly outcome?: string;
}

export function rolloutView(changeId: string, deps: { rollouts: RolloutsStore; runner: RolloutRunner; desired: DesiredConfigs }, page: TargetPage = {}) {
  const r = deps.rollouts.get(changeId);
  if (!r) return undefined;
  const views = deps.runner.views(changeId);
  const counts: Record<string, number> = {};
  // Per stage (from 1): how many targets have each outcome status, for a progress picture without the target list.
  const stages: Array<{ stage: number; total: number; outcomes: Record<string, number> }> = [];
  const outcomes = views.map((v) => outcomeOf(v));
  views.forEach((v, i) => {
    counts[v.state] = (counts[v.state] ?? 0) + 1;
    const s = (stages[v.stage] ??= { stage: v.stage + 1, total: 0, outcomes: {} });
    s.total++;
    s.outcomes[outcomes[i]!.status] = (s.outcomes[outcomes[i]!.status] ?? 0) + 1;
  });
  const listed = views.map((v, i) => ({ v, outcome: outcomes[i]! })).filter((x) => page.outcome === undefined || x.outcome.status === page.outcome);
  const offset = page.offset ?? 0;
  return {
    ...rolloutSummary(r),
    options: JSON.parse(r.options) as RolloutOptions,
    updatedAt: iso(r.updated_at),
    counts,
    stages: stages.filter((s) => s !== undefined),
    targetsTotal: listed.length,
    targets: listed.slice(offset, page.limit === undefined ? undefined : offset + page.limit).map(({ v, outcome }) => ({
      uid: v.uid,
      stage: v.stage + 1,
      state: v.state,
      outcome,
      connected: v.agent?.connected ?? false,
      healthy: v.agent?.healthy ?? null,
      attempt: v.attempt ? attemptView(v.attempt, deps.desired) : null,
    })),
  };
}

export function agentRemoteConfigView(uid: string, deps: { registry: AgentRegistry; desired: DesiredConfigs; pause: PauseState }) {
  const agent = deps.registry.get(uid);
  if (!agent) return undefined;
  const d = deps.desired.get(uid);
  const pause = deps.pause.get(uid);
  return {
    uid,
    desired: d ? attemptView(d, deps.desired) : null,
    reported: agent.remoteConfigStatus ?? null,
    effectiveConfigHash: agent.effectiveConfigHash ?? null,
    inSync: d ? configSyncOf(agent, d) === 'in_sync' : null,
    history: deps.desired.repo.history(uid, 50).map((a) => attemptView(a, deps.desired)),
    pause: pause
      ? {
          method: pause.method,
          state: pause.state,
          changeId: pause.change_id,
          priorConfigHash: pause.prior_hash,
          standInConfigHash: pause.pause_hash,
          error: pause.error,
          updatedAt: iso(pause.updated_at),
        }
      : null,
    lastPauseAnswer: deps.pause.reported(uid) ?? null,
  };
}
