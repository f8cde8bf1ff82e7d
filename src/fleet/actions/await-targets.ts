/**
 * @module Waits for per-agent results of an action that is not staged (pause, resume, restart):
 * connected agents get `timeoutSeconds` to confirm, then offline agents get `pendingWaitSeconds`
 * to come back; outcomes are recorded as they settle, and the request's result follows the same
 * policy as rollouts (offline agents are pending, not failed; silence from a connected agent is).
 */
import type { AgentOutcomeStatus, ExecutionContext, ExecutionResult } from '../../changes/types.js';
import type { AgentRegistry } from '../registry.js';
import { waitUntil } from './wait.js';

export type TargetProgress =
  | { readonly state: 'done'; readonly detail: string }
  | { readonly state: 'error'; readonly detail: string }
  | { readonly state: 'superseded'; readonly detail: string }
  | { readonly state: 'offline'; readonly detail: string }
  | { readonly state: 'waiting'; readonly detail: string };

export interface AwaitOptions {
  readonly uids: readonly string[];
  readonly view: (uid: string) => TargetProgress;
  readonly timeoutSeconds: number;
  readonly pendingWaitSeconds: number;
  /** Events after which views may have changed. */
  readonly subscribe: (wake: () => void) => () => void;
  readonly registry: AgentRegistry;
  readonly now: () => number;
  /** Outcomes already recorded (a resumed execution does not record them again). */
  readonly previous: ReadonlyArray<{ uid: string; status: AgentOutcomeStatus; detail: string }>;
  /** What was done, for the summary: "paused", "resumed", "restarted". */
  readonly verb: string;
}

const OUTCOME: Record<TargetProgress['state'], AgentOutcomeStatus> = {
  done: 'succeeded',
  error: 'failed',
  superseded: 'skipped',
  offline: 'pending',
  waiting: 'offered',
};

export async function awaitTargets(o: AwaitOptions, ctx: ExecutionContext): Promise<ExecutionResult> {
  const emitted = new Map(o.previous.map((p) => [p.uid, `${p.status}|${p.detail}`]));
  const record = (uid: string, status: AgentOutcomeStatus, detail: string) => {
    const key = `${status}|${detail}`;
    if (emitted.get(uid) === key) return;
    emitted.set(uid, key);
    ctx.outcome(uid, status, detail);
  };
  const sweep = (final: boolean) => {
    const views = o.uids.map((uid) => ({ uid, v: o.view(uid) }));
    for (const { uid, v } of views) if (final || v.state === 'done' || v.state === 'error' || v.state === 'superseded') record(uid, OUTCOME[v.state], v.detail);
    return views;
  };
  const wait = (deadline: number, until: (views: ReturnType<typeof sweep>) => boolean) =>
    waitUntil({ signal: ctx.signal, deadline, now: o.now, subscribe: o.subscribe, check: () => (until(sweep(false)) ? true : undefined) });

  await wait(o.now() + o.timeoutSeconds * 1000, (views) => !views.some((x) => x.v.state === 'waiting'));
  const offline = sweep(false).filter((x) => x.v.state === 'offline').length;
  if (offline > 0 && o.pendingWaitSeconds > 0) {
    ctx.progress(`waiting up to ${o.pendingWaitSeconds} s for ${offline} offline agent${offline === 1 ? '' : 's'} to reconnect`);
    await wait(o.now() + o.pendingWaitSeconds * 1000, (views) => !views.some((x) => x.v.state === 'offline' || x.v.state === 'waiting'));
  }
  const views = sweep(false);
  const count = (s: TargetProgress['state']) => views.filter((x) => x.v.state === s).length;
  for (const { uid, v } of views) {
    if (v.state === 'waiting') record(uid, 'failed', `no confirmation within ${o.timeoutSeconds} s (${v.detail})`);
    else record(uid, OUTCOME[v.state], v.detail);
  }
  const done = count('done');
  const bad = count('error') + count('waiting');
  const parts = [`${o.verb} ${done}/${views.length}`];
  if (count('error') > 0) parts.push(`${count('error')} failed`);
  if (count('waiting') > 0) parts.push(`${count('waiting')} did not confirm within ${o.timeoutSeconds} s`);
  if (count('offline') > 0) parts.push(`${count('offline')} offline (handled when they reconnect)`);
  if (count('superseded') > 0) parts.push(`${count('superseded')} superseded by a later change`);
  const summary = `${parts.join('; ')}.`;
  if (bad > 0) return { state: done > 0 ? 'partially_failed' : 'failed', summary };
  return { state: 'succeeded', summary };
}
