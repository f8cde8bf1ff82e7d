/**
 * @module Runs approved requests through their executors. Per-agent outcomes and progress are
 * batched over a few milliseconds (an executor fanning out to 10k agents, or 10k agents reporting
 * back at once, costs one transaction, not 10k), stored with their audit rows, then emitted. A result moves executing -> terminal exactly once; an
 * executor that throws fails the request with its message; an executor aborted by stop() leaves
 * the request `executing`, and start() after a restart calls it again to resume.
 */
import { AmpgateError } from '../shared/errors.js';
import { SYSTEM, type ChangeDeps } from './transitions.js';
import type { ChangeEvents } from './events.js';
import { redactSecrets } from './input.js';
import type { AgentOutcomeStatus, ChangeEvent, ChangeRequest, ExecutionContext, ExecutionResult } from './types.js';

const OUTCOME_STATUSES: ReadonlySet<string> = new Set(['pending', 'offered', 'applying', 'succeeded', 'failed', 'skipped']);
const RESULT_STATES: ReadonlySet<string> = new Set(['succeeded', 'partially_failed', 'failed']);
const clip = (s: string, n: number) => redactSecrets(s.length > n ? `${s.slice(0, n)}…` : s);

type Queued = { kind: 'outcome'; uid: string; status: AgentOutcomeStatus; detail: string; at: number } | { kind: 'progress'; message: string };

interface Running {
  /** The request as it started executing: the snapshot outcome and progress events carry. */
  readonly request: ChangeRequest;
  readonly controller: AbortController;
  readonly queue: Queued[];
  done: Promise<void>;
}

export class ExecutionRunner {
  readonly #d: ChangeDeps;
  readonly #events: ChangeEvents;
  readonly #running = new Map<string, Running>();
  readonly #flushMs: number;
  #flushTimer: NodeJS.Timeout | undefined;
  #closed = false;

  /** `flushMs`: how long outcomes are collected before they are written (default 10 ms). */
  constructor(deps: ChangeDeps, events: ChangeEvents, flushMs = 10) {
    this.#d = deps;
    this.#events = events;
    this.#flushMs = flushMs;
  }

  isRunning(id: string): boolean {
    return this.#running.has(id);
  }

  /** Calls the executor now (same tick as the commit that moved the request to executing). */
  start(req: ChangeRequest): void {
    if (this.#closed || this.#running.has(req.id)) return;
    const executor = this.#d.executors.get(req.kind);
    if (!executor) {
      this.#d.logger.error({ request: req.id, kind: req.kind }, 'no executor registered for an executing change request; it stays executing until one is');
      return;
    }
    const controller = new AbortController();
    // Registered before execute() is called: its synchronous part may already report outcomes.
    const entry: Running = { request: req, controller, queue: [], done: Promise.resolve() };
    this.#running.set(req.id, entry);
    const ctx: ExecutionContext = {
      signal: controller.signal,
      outcome: (uid, status, detail = '') =>
        this.#enqueue(req.id, { kind: 'outcome', uid: String(uid), status, detail: clip(String(detail), 1000), at: this.#d.now() }),
      progress: (message) => this.#enqueue(req.id, { kind: 'progress', message: clip(String(message), 2000) }),
    };
    let promise: Promise<ExecutionResult>;
    try {
      promise = Promise.resolve(executor.execute(req, ctx));
    } catch (err) {
      promise = Promise.reject(err);
    }
    entry.done = promise
      .then(
        (result) => this.#finish(req, result),
        (err: unknown) => this.#crashed(req, err, controller.signal),
      )
      .catch((err: unknown) => this.#d.logger.error({ err, request: req.id }, 'could not record the end of an execution; it resumes after restart'))
      .finally(() => this.#running.delete(req.id));
  }

  /** Aborts every running execution and waits (bounded) for the executors to return. */
  async stop(timeoutMs: number): Promise<void> {
    for (const r of this.#running.values()) r.controller.abort(new Error('ampgate is shutting down; the change resumes after restart'));
    const all = Promise.allSettled([...this.#running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    this.flush();
    this.#closed = true;
  }

  #enqueue(id: string, item: Queued): void {
    if (this.#closed) return;
    const r = this.#running.get(id);
    if (!r) return;
    if (item.kind === 'outcome' && !OUTCOME_STATUSES.has(item.status)) {
      this.#d.logger.warn({ request: id, status: item.status }, 'executor reported an unknown outcome status; ignored');
      return;
    }
    r.queue.push(item);
    this.#flushTimer ??= setTimeout(() => this.flush(), this.#flushMs);
  }

  /** Writes every queued outcome (with audit rows) in one transaction, then emits. */
  flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#closed) return;
    const events: ChangeEvent[] = [];
    try {
      this.#d.uow.durably(() => {
        for (const r of this.#running.values()) if (r.queue.length > 0) this.#write(r.request, r.queue.splice(0), events);
      });
    } catch (err) {
      // Outcomes are also kept by the executor's own state; after a restart it reports them again.
      this.#d.logger.error({ err }, 'could not store execution outcomes');
      return;
    }
    this.#events.emit(events);
  }

  #write(request: ChangeRequest, items: Queued[], events: ChangeEvent[]): void {
    const id = Number(request.id);
    for (const item of items) {
      if (item.kind === 'progress') {
        events.push({ type: 'progress', request, message: item.message });
        continue;
      }
      const prev = this.#d.repo.outcome(id, item.uid);
      if (prev && prev.status === item.status && prev.detail === item.detail) continue;
      this.#d.repo.upsertOutcome(id, item);
      this.#d.audit.append(SYSTEM, 'change.outcome', request.id, { uid: item.uid, status: item.status, detail: item.detail });
      events.push({ type: 'outcome', request, outcome: { uid: item.uid, status: item.status, detail: item.detail, at: new Date(item.at).toISOString() } });
    }
  }

  #finish(req: ChangeRequest, result: ExecutionResult): void {
    if (!result || !RESULT_STATES.has(result.state)) {
      this.#crashed(req, new Error(`executor for ${req.kind} returned an invalid result: ${JSON.stringify(result)}`), undefined);
      return;
    }
    this.#complete(req, result.state, clip(String(result.summary ?? ''), 2000));
  }

  #crashed(req: ChangeRequest, err: unknown, signal: AbortSignal | undefined): void {
    if (signal?.aborted) {
      this.#d.logger.info({ request: req.id, err: (err as Error)?.message }, 'execution stopped by shutdown; it resumes after restart');
      return;
    }
    this.#d.logger.error({ err, request: req.id, kind: req.kind }, 'change executor failed');
    const message = err instanceof AmpgateError || err instanceof Error ? err.message : String(err);
    this.#complete(req, 'failed', clip(`executor error: ${message}`, 2000));
  }

  #complete(req: ChangeRequest, state: 'succeeded' | 'partially_failed' | 'failed', summary: string): void {
    if (this.#closed) return;
    this.flush();
    const id = Number(req.id);
    const request = this.#d.uow.durably(() => {
      if (!this.#d.repo.transition(id, 'executing', state, this.#d.now(), summary)) return undefined;
      this.#d.audit.append(SYSTEM, 'change.result', req.id, { state, summary, outcomes: this.#d.repo.outcomeCounts(id) });
      return this.#d.requests.load(id);
    });
    if (!request) {
      this.#d.logger.warn({ request: req.id, state }, 'execution finished but the request was no longer executing; result not recorded');
      return;
    }
    this.#d.logger.info({ request: req.id, kind: req.kind, state, summary }, 'change request finished');
    this.#events.emit([{ type: 'state', request, from: 'executing' }]);
  }
}
