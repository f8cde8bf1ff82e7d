/**
 * @module Drives a staged rollout of remote configs to completion: assigns the desired config of
 * one stage at a time (durably, before sending), pushes it to connected agents, waits for their
 * status, halts on FAILED / rollback / unhealthy, and continues to the next stage once the canary
 * is APPLIED. All progress lives in SQLite (rollouts, rollout_targets, config_attempts), so an
 * execution resumed after a server restart continues where it stopped and never sends a stage
 * twice. Used by config_push, and by pause/resume for agents without the pause capability.
 */
import type { AgentOutcome, ExecutionContext } from '../../changes/types.js';
import type { Logger } from '../../shared/log.js';
import type { UnitOfWork } from '../../store/ports/store.js';
import type { RemoteConfigStore } from '../../store/ports/remote-config.js';
import type { RolloutRow, RolloutTargetRow, RolloutsStore } from '../../store/ports/rollouts.js';
import type { Fleet } from '../fleet.js';
import type { AgentRegistry } from '../registry.js';
import type { DesiredConfigs } from '../remote-config/desired-state.js';
import { classify, haltReason, outcomeOf, type TargetView } from './rollout-eval.js';
import { waitUntil } from './wait.js';

export interface RolloutOptions {
  /** Watch time after the canary is APPLIED before continuing. */
  readonly bakeSeconds: number;
  /** Longest wait for connected agents of a stage to report APPLIED or FAILED. */
  readonly stageTimeoutSeconds: number;
  /** After the last stage, how long to wait for offline agents to come back before finishing. */
  readonly pendingWaitSeconds: number;
}

export interface RolloutDeps {
  readonly desired: DesiredConfigs;
  readonly registry: AgentRegistry;
  readonly fleet: Fleet;
  readonly rollouts: RolloutsStore;
  readonly attempts: RemoteConfigStore;
  readonly uow: UnitOfWork;
  readonly logger: Logger;
  readonly now: () => number;
}

export interface RolloutResult {
  readonly state: 'completed' | 'halted';
  readonly haltReason: string | null;
  readonly counts: Record<TargetView['state'], number>;
  readonly total: number;
  /** Targets that did not reach APPLIED in the final stage's wait (online but silent). */
  readonly timedOut: readonly string[];
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

export class RolloutRunner {
  /** Targets of running rollouts, read once per stage instead of on every evaluation. */
  readonly #targets = new Map<string, RolloutTargetRow[]>();

  constructor(readonly deps: RolloutDeps) {}

  #targetsOf(changeId: string): RolloutTargetRow[] {
    return this.#targets.get(changeId) ?? this.deps.rollouts.targets(changeId);
  }

  /** Current view of every target of a rollout. */
  views(changeId: string): TargetView[] {
    const { attempts, registry, desired } = this.deps;
    return this.#targetsOf(changeId).map((t) => {
      const current = desired.get(t.uid);
      const attempt = t.attempt_id === null ? undefined : current?.id === t.attempt_id ? current : attempts.attempt(t.attempt_id);
      return classify(t, attempt, registry.get(t.uid), desired.payload(t.hash)?.files);
    });
  }

  /** Runs (or resumes) the rollout of `changeId` until it completes or halts. */
  async run(changeId: string, previous: readonly AgentOutcome[], ctx: ExecutionContext, resumed: boolean): Promise<RolloutResult> {
    const emitted = new Map(previous.map((o) => [o.uid, `${o.status}|${o.detail}`]));
    let r = this.deps.rollouts.get(changeId)!;
    if (r.state === 'running' && resumed) {
      // Resumed after a restart: the stage wait starts again, agents need time to reconnect.
      this.deps.rollouts.setStage(changeId, r.stage, this.deps.now());
      r = this.deps.rollouts.get(changeId)!;
      ctx.progress(`resuming at stage ${r.stage + 1}/${r.stage_count} after a restart`);
    }
    const opts = JSON.parse(r.options) as RolloutOptions;
    try {
      await this.#loop(r, opts, emitted, ctx);
    } finally {
      this.#targets.delete(changeId);
    }
    return this.result(changeId);
  }

  async #loop(r: RolloutRow, opts: RolloutOptions, emitted: Map<string, string>, ctx: ExecutionContext): Promise<void> {
    const changeId = r.change_id;
    while (r.state === 'running') {
      const last = r.stage === r.stage_count - 1;
      this.#sendStage(r, ctx);
      const reason = await this.#awaitStage(r, opts, last, emitted, ctx);
      if (reason !== undefined) {
        this.#finish(r, 'halted', reason, emitted, ctx, opts);
        break;
      }
      if (last) {
        await this.#awaitOffline(r, opts, emitted, ctx);
        this.#finish(r, 'completed', null, emitted, ctx, opts);
        break;
      }
      const views = this.views(changeId).filter((v) => v.stage === r.stage);
      const applied = views.filter((v) => v.state === 'applied').length;
      const rest = this.views(changeId).filter((v) => v.stage > r.stage).length;
      this.deps.rollouts.setStage(changeId, r.stage + 1, this.deps.now());
      ctx.progress(`stage ${r.stage + 1} applied on ${applied}/${views.length}; continuing with the remaining ${plural(rest, 'agent')}`);
      r = this.deps.rollouts.get(changeId)!;
    }
  }

  /** Summarises a finished (or running) rollout from its stored state. */
  result(changeId: string): RolloutResult {
    const r = this.deps.rollouts.get(changeId)!;
    const views = this.views(changeId);
    const counts = { not_sent: 0, waiting: 0, pending_offline: 0, unconfirmed: 0, applied: 0, failed: 0, rolled_back: 0, unhealthy: 0, superseded: 0 };
    for (const v of views) counts[v.state]++;
    const timedOut = r.state === 'completed' ? views.filter((v) => v.state === 'waiting').map((v) => v.uid) : [];
    return { state: r.state === 'halted' ? 'halted' : 'completed', haltReason: r.halt_reason, counts, total: views.length, timedOut };
  }

  #sendStage(r: RolloutRow, ctx: ExecutionContext): void {
    const { rollouts, desired, fleet } = this.deps;
    const targets = rollouts.targets(r.change_id).filter((t) => t.stage === r.stage);
    const unsent = targets.filter((t) => t.attempt_id === null);
    if (unsent.length > 0) {
      // A crash between assigning and recording the attempt ids leaves attempts of this change in
      // place: adopt them instead of assigning again.
      const adopt = unsent.filter((t) => desired.get(t.uid)?.change_id === r.change_id && desired.get(t.uid)?.hash === t.hash);
      const fresh = unsent.filter((t) => !adopt.includes(t));
      const attempts = desired.assign(
        fresh.map((t) => ({ uid: t.uid, hash: t.hash })),
        r.change_id,
      );
      this.deps.uow.atomically(() => {
        for (const t of adopt) rollouts.setAttempt(r.change_id, t.uid, desired.get(t.uid)!.id);
        for (const a of attempts) rollouts.setAttempt(r.change_id, a.uid, a.id);
      });
      this.#targets.delete(r.change_id);
      const online = targets.filter((t) => this.deps.registry.get(t.uid)?.connected).length;
      ctx.progress(
        `stage ${r.stage + 1}/${r.stage_count}${r.stage_count > 1 && r.stage === 0 ? ' (canary)' : ''}: ${r.label} assigned to ` +
          `${plural(targets.length, 'agent')} (${online} connected)`,
      );
    }
    for (const t of targets) fleet.nudge(t.uid);
    this.#targets.set(r.change_id, rollouts.targets(r.change_id));
  }

  /** Waits for a stage; returns a halt reason, or undefined when the stage may be left. */
  async #awaitStage(r: RolloutRow, opts: RolloutOptions, last: boolean, emitted: Map<string, string>, ctx: ExecutionContext): Promise<string | undefined> {
    const stageOf = (views: TargetView[]) => views.filter((v) => v.stage === r.stage);
    const verdict = await this.#wait(r.change_id, r.stage_started_at + opts.stageTimeoutSeconds * 1000, ctx, () => {
      const views = this.views(r.change_id);
      this.#emit(views, r, emitted, ctx);
      if (!last) {
        const reason = haltReason(views.filter((v) => v.stage <= r.stage));
        if (reason) return { halt: reason };
      }
      const stage = stageOf(views);
      const waiting = stage.some((v) => v.state === 'waiting');
      const applied = stage.some((v) => v.state === 'applied');
      if (!waiting && (last || applied)) return { halt: undefined };
      return undefined;
    });
    if (verdict === undefined) {
      if (last) return undefined;
      const silent = stageOf(this.views(r.change_id))
        .filter((v) => v.state !== 'applied')
        .map((v) => v.uid);
      return `the canary did not report APPLIED within ${opts.stageTimeoutSeconds} s (${silent.slice(0, 5).join(', ')}${silent.length > 5 ? ', ...' : ''})`;
    }
    if (verdict.halt !== undefined || last || opts.bakeSeconds <= 0) return verdict.halt;
    ctx.progress(`stage ${r.stage + 1} reported APPLIED; watching it for ${opts.bakeSeconds} s before continuing`);
    const bake = await this.#wait(r.change_id, this.deps.now() + opts.bakeSeconds * 1000, ctx, () => {
      const views = this.views(r.change_id);
      this.#emit(views, r, emitted, ctx);
      const reason = haltReason(views.filter((v) => v.stage <= r.stage));
      return reason === undefined ? undefined : { halt: reason };
    });
    return bake?.halt;
  }

  async #awaitOffline(r: RolloutRow, opts: RolloutOptions, emitted: Map<string, string>, ctx: ExecutionContext): Promise<void> {
    const offline = () => this.views(r.change_id).filter((v) => v.state === 'pending_offline');
    if (offline().length === 0 || opts.pendingWaitSeconds <= 0) return;
    ctx.progress(`waiting up to ${opts.pendingWaitSeconds} s for ${plural(offline().length, 'offline agent')} to reconnect`);
    await this.#wait(r.change_id, this.deps.now() + opts.pendingWaitSeconds * 1000, ctx, () => {
      const views = this.views(r.change_id);
      this.#emit(views, r, emitted, ctx);
      return views.some((v) => v.state === 'pending_offline' || v.state === 'waiting') ? undefined : true;
    });
  }

  #wait<T>(changeId: string, deadline: number, ctx: ExecutionContext, check: () => T | undefined): Promise<T | undefined> {
    const { desired, registry } = this.deps;
    return waitUntil({
      signal: ctx.signal,
      deadline,
      // Each evaluation walks every target: coalesce events harder for big rollouts.
      debounceMs: Math.min(250, 20 + Math.floor(this.#targetsOf(changeId).length / 100)),
      now: this.deps.now,
      check,
      subscribe: (wake) => {
        const onReport = (_a: unknown, ch: { health: boolean; effectiveConfig: boolean }) => {
          if (ch.health || ch.effectiveConfig) wake();
        };
        desired.events.on('attempt', wake);
        registry.events.on('connected', wake);
        registry.events.on('disconnected', wake);
        registry.events.on('report', onReport);
        return () => {
          desired.events.off('attempt', wake);
          registry.events.off('connected', wake);
          registry.events.off('disconnected', wake);
          registry.events.off('report', onReport);
        };
      },
    });
  }

  /**
   * Records per-agent outcomes that changed. Intermediate states (sent, APPLYING) are recorded
   * for the canary only; everyone gets a final state. This keeps a fleet-wide rollout from
   * writing three durable audit rows per agent.
   */
  #emit(views: readonly TargetView[], r: RolloutRow, emitted: Map<string, string>, ctx: ExecutionContext, final = false): void {
    const canary = r.stage_count > 1 ? 0 : -1;
    for (const v of views) {
      if (v.state === 'not_sent' && !final) continue;
      const o = outcomeOf(v);
      const settled = o.status === 'succeeded' || o.status === 'failed' || o.status === 'skipped';
      if (!settled && !final && v.stage !== canary) continue;
      const key = `${o.status}|${o.detail}`;
      if (emitted.get(v.uid) === key) continue;
      emitted.set(v.uid, key);
      ctx.outcome(v.uid, o.status, o.detail);
    }
  }

  #finish(
    r: RolloutRow,
    state: 'halted' | 'completed',
    reason: string | null,
    emitted: Map<string, string>,
    ctx: ExecutionContext,
    opts: RolloutOptions,
  ): void {
    this.deps.rollouts.finish(r.change_id, state, reason, this.deps.now());
    const views = this.views(r.change_id);
    const record = (uid: string, status: 'skipped' | 'failed', detail: string) => {
      if (emitted.get(uid) !== `${status}|${detail}`) ctx.outcome(uid, status, detail);
      emitted.set(uid, `${status}|${detail}`);
    };
    for (const v of views) {
      if (v.state === 'not_sent') record(v.uid, 'skipped', `not sent: the rollout halted at stage ${r.stage + 1}`);
      else if (v.state === 'waiting' && state === 'completed') {
        record(
          v.uid,
          'failed',
          `sent, but no APPLIED or FAILED within ${opts.stageTimeoutSeconds} s (the config stays assigned; the agent may still apply it)`,
        );
      }
    }
    this.#emit(
      views.filter((v) => v.state !== 'not_sent' && !(v.state === 'waiting' && state === 'completed')),
      r,
      emitted,
      ctx,
      true,
    );
    if (state === 'halted') {
      this.deps.logger.warn({ change: r.change_id, reason }, 'rollout halted');
      ctx.progress(`rollout halted: ${reason}`);
    }
  }
}
