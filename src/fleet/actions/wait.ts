/**
 * @module Waiting for fleet conditions without polling the whole fleet per message: a condition
 * is re-checked when a relevant event arrives (coalesced, at most every `debounceMs`), on a slow
 * tick for time-based conditions, and once more at the deadline.
 */

export interface WaitOptions<T> {
  readonly signal: AbortSignal;
  /** Returns a value to stop waiting with it, or undefined to keep waiting. */
  readonly check: () => T | undefined;
  /** Epoch ms after which the wait resolves with undefined. */
  readonly deadline: number;
  /** Subscribes `wake` to the events that may change the condition; returns an unsubscribe. */
  readonly subscribe: (wake: () => void) => () => void;
  readonly now?: () => number;
  readonly tickMs?: number;
  readonly debounceMs?: number;
}

/** The error an executor rejects with when the server shuts down mid-execution. */
class ExecutionInterrupted extends Error {
  override readonly name = 'ExecutionInterrupted';
  constructor() {
    super('execution interrupted by server shutdown; it resumes after restart');
  }
}

export function waitUntil<T>(opts: WaitOptions<T>): Promise<T | undefined> {
  const now = opts.now ?? Date.now;
  return new Promise<T | undefined>((resolve, reject) => {
    let pending: NodeJS.Timeout | undefined;
    const cleanups: Array<() => void> = [];
    const finish = (fn: () => void) => {
      for (const c of cleanups.splice(0)) c();
      clearTimeout(pending);
      fn();
    };
    const evaluate = () => {
      pending = undefined;
      if (opts.signal.aborted) return finish(() => reject(new ExecutionInterrupted()));
      let v: T | undefined;
      try {
        v = opts.check();
      } catch (err) {
        return finish(() => reject(err as Error));
      }
      if (v !== undefined) return finish(() => resolve(v));
      if (now() >= opts.deadline) return finish(() => resolve(undefined));
    };
    const wake = () => {
      pending ??= setTimeout(evaluate, opts.debounceMs ?? 20);
    };
    const onAbort = () => finish(() => reject(new ExecutionInterrupted()));
    if (opts.signal.aborted) return reject(new ExecutionInterrupted());
    opts.signal.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => opts.signal.removeEventListener('abort', onAbort));
    cleanups.push(opts.subscribe(wake));
    const tick = setInterval(wake, opts.tickMs ?? 1_000);
    cleanups.push(() => clearInterval(tick));
    const untilDeadline = Math.max(0, opts.deadline - now());
    const deadlineTimer = setTimeout(evaluate, Math.min(untilDeadline, 2 ** 31 - 1));
    cleanups.push(() => clearTimeout(deadlineTimer));
    evaluate();
  });
}

/** Resolves after `ms`, or rejects with ExecutionInterrupted when `signal` aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ExecutionInterrupted());
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new ExecutionInterrupted());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
