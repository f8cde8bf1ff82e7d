/**
 * @module The change engine: the one write path every channel (REST, CLI, MCP, Slack) calls.
 * Authorisation and policy are enforced here; state changes go through src/changes/transitions.ts
 * (durable, audited, exactly once), executions through src/changes/runner.ts. start() recovers
 * after a crash and runs the timer for expiry and freeze ends; stop() aborts running executions so
 * they resume after the next start().
 */
import { AmpgateError, notFound } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { AuditStore } from '../store/ports/audit.js';
import type { ChangesStore } from '../store/ports/changes.js';
import type { UnitOfWork } from '../store/ports/store.js';
import { AuditLog } from './audit.js';
import { approveDenial, cancelDenial, isLlmDriven, mcpReadOnlyDenial, proposeDenial, rejectDenial } from './authorize.js';
import { DenialAudit } from './denials.js';
import { ChangeEvents } from './events.js';
import { approvalFingerprint } from './fingerprint.js';
import { idempotencyKey } from './idempotency.js';
import { CHANNELS, DecisionSchema, parseInput, ProposalSchema } from './input.js';
import { principalKey, principalView, type Principal } from './principal.js';
import type { Policy } from './policy.js';
import { ChangeRequests } from './requests.js';
import { ExecutionRunner } from './runner.js';
import { TokenBuckets } from '../shared/token-buckets.js';
import { Transitions, type ChangeDeps, type Step } from './transitions.js';
import type {
  Channel,
  ChangeEvent,
  ChangeExecutor,
  ChangeKind,
  ChangeListFilter,
  ChangePlan,
  ChangeRequest,
  ChangeService,
  ChangeState,
  ProposalInput,
  TargetSpec,
} from './types.js';

export interface ChangeEngineOptions {
  readonly store: { readonly uow: UnitOfWork; readonly changes: ChangesStore; readonly audit: AuditStore };
  /** Validates a target and returns its canonical text (src/fleet/targeting.ts#canonicalTarget). */
  readonly canonicalTarget: (target: TargetSpec) => string;
  readonly policy: Policy;
  readonly logger: Logger;
  readonly now?: () => number;
  /** How often expiries and the ends of change freezes are checked, in ms. Default 1000. */
  readonly tickMs?: number;
  /** How long stop() waits for aborted executors to return, in ms. Default 5000. */
  readonly stopTimeoutMs?: number;
  /** AMPGATE_MCP_READ_ONLY: refuse proposals and cancellations made through MCP. */
  readonly mcpReadOnly?: boolean;
  /**
   * Proposals per person (policy.person: every channel of one person shares the budget), as a
   * sustained rate per minute and a burst (AMPGATE_PROPOSAL_RATE / _BURST). Absent or 0: no limit.
   */
  readonly proposalRate?: { readonly perMinute: number; readonly burst: number };
}

type DecisionOpts = { readonly channel: Channel; readonly comment?: string; readonly fingerprint?: string };

export class ChangeEngine implements ChangeService {
  readonly policy: Policy;
  readonly audit: AuditLog;
  /** Audit rows for refusals, aggregated per kind (shared with the other audited services). */
  readonly denials: DenialAudit;
  readonly #executors = new Map<ChangeKind, ChangeExecutor>();
  readonly #d: ChangeDeps;
  readonly #repo: ChangesStore;
  readonly #requests: ChangeRequests;
  readonly #events: ChangeEvents;
  readonly #transitions: Transitions;
  readonly #runner: ExecutionRunner;
  readonly #tickMs: number;
  readonly #stopTimeoutMs: number;
  readonly #mcpReadOnly: boolean;
  readonly #proposals: TokenBuckets;
  readonly #proposalLimit: string;
  #timer: NodeJS.Timeout | undefined;
  #started = false;
  #stopping: Promise<void> | undefined;

  constructor(opts: ChangeEngineOptions) {
    const now = opts.now ?? Date.now;
    const logger = opts.logger.child({ component: 'changes' });
    this.policy = opts.policy;
    this.#repo = opts.store.changes;
    this.#requests = new ChangeRequests(this.#repo);
    this.audit = new AuditLog(opts.store.audit, now);
    this.denials = new DenialAudit(opts.store.uow, this.audit, { now });
    this.#d = {
      uow: opts.store.uow,
      repo: this.#repo,
      requests: this.#requests,
      canonicalTarget: opts.canonicalTarget,
      audit: this.audit,
      policy: opts.policy,
      now,
      logger,
      executors: this.#executors,
    };
    this.#events = new ChangeEvents(logger);
    this.#transitions = new Transitions(this.#d);
    this.#runner = new ExecutionRunner(this.#d, this.#events);
    this.#tickMs = opts.tickMs ?? 1000;
    this.#stopTimeoutMs = opts.stopTimeoutMs ?? 5000;
    this.#mcpReadOnly = opts.mcpReadOnly ?? false;
    this.#proposals = new TokenBuckets({ ratePerSecond: (opts.proposalRate?.perMinute ?? 0) / 60, burst: opts.proposalRate?.burst ?? 1, now });
    this.#proposalLimit = `${opts.proposalRate?.perMinute ?? 0} a minute (bursts of ${opts.proposalRate?.burst ?? 1})`;
  }

  /** One executor per kind. Registering after start() resumes that kind's unfinished requests. */
  registerExecutor(executor: ChangeExecutor): void {
    if (this.#executors.has(executor.kind)) throw new Error(`an executor for ${executor.kind} is already registered`);
    this.#executors.set(executor.kind, executor);
    if (this.#started && !this.#stopping) this.#recover(executor.kind);
  }

  async propose(principal: Principal, input: ProposalInput): Promise<{ readonly request: ChangeRequest; readonly existing: boolean }> {
    this.#assertRunning();
    const channel = CHANNELS.includes(input?.channel) ? input.channel : 'rest';
    this.#authorize(principal, null, 'propose', channel, mcpReadOnlyDenial(this.#mcpReadOnly, principal, channel, 'proposing') ?? proposeDenial(principal));
    const p = parseInput(ProposalSchema, input);
    this.#limitProposals(principal, channel);
    const executor = this.#executors.get(p.kind);
    if (!executor) throw new AmpgateError('unavailable', `${p.kind} changes are not available in this server (no executor registered)`);
    const plan = executor.plan(p.target, p.params);
    assertPlannable(plan);
    const now = this.#d.now();
    const expiresAt = now + this.policy.expiryMinutes(p.expiresInMinutes) * 60_000;
    const canonical = this.#d.canonicalTarget(p.target);
    const key = idempotencyKey(p.kind, canonical, plan.params);
    const fingerprint = approvalFingerprint(plan.fingerprint, canonical);
    const llm = isLlmDriven(principal, channel);
    const required = this.policy.requiredApprovals(plan.risk);
    const { request, existing, step } = this.#transitions.propose(
      {
        kind: p.kind,
        requester_key: principalKey(principal),
        requester: JSON.stringify(principal),
        channel: p.channel,
        llm_originated: llm ? 1 : 0,
        reason: p.reason,
        target: JSON.stringify(p.target),
        params: JSON.stringify(plan.params),
        targets: JSON.stringify([...plan.targets].sort()),
        ineligible: JSON.stringify(plan.ineligible),
        payload_fingerprint: plan.payloadFingerprint,
        fingerprint,
        risk: plan.risk,
        required_approvals: required,
        preview: JSON.stringify(plan.preview),
        idempotency_key: key,
        created_at: now,
        expires_at: expiresAt,
      },
      proposalAudit(principal, p, { ...plan, fingerprint }, llm, required, expiresAt),
    );
    this.#after(step);
    if (!existing)
      this.#d.logger.info(
        { request: request.id, kind: p.kind, requester: principalKey(principal), risk: plan.risk, targets: plan.targets.length },
        'change proposed',
      );
    return { request, existing };
  }

  get(id: string): ChangeRequest | undefined {
    const n = parseId(id);
    return n === undefined ? undefined : this.#requests.load(n);
  }

  list(filter: ChangeListFilter = {}): { readonly total: number; readonly requests: readonly ChangeRequest[] } {
    const { total, rows } = this.#repo.list(filter);
    return { total, requests: rows.map((r) => this.#requests.toRequest(r)) };
  }

  async approve(principal: Principal, id: string, opts: DecisionOpts): Promise<ChangeRequest> {
    this.#assertRunning();
    const o = parseInput(DecisionSchema, opts);
    const req = this.#mustGet(id);
    this.#authorize(principal, req.id, 'approve', o.channel, approveDenial(this.policy, principal, o.channel, req));
    // A second click by the same person is a no-op, whatever happened since the first.
    if (req.approvals.some((a) => a.decision === 'approve' && this.policy.samePerson(a.principal, principal))) return req;
    this.#assertState(req, ['pending'], 'approved');
    this.#expireIfDue(req);
    if (o.fingerprint !== undefined && !fingerprintMatches(o.fingerprint, req.fingerprint)) {
      throw new AmpgateError('conflict', `fingerprint mismatch: you reviewed ${o.fingerprint} but request ${req.id} is ${req.fingerprint}; review it again`);
    }
    const step = this.#transitions.approve(principal, req, o.channel, o.comment ?? '');
    this.#after(step);
    this.#d.logger.info({ request: req.id, approver: principalKey(principal), drift: step.error?.message }, 'change approval recorded');
    if (step.error) throw step.error;
    return this.#mustGet(id);
  }

  async reject(principal: Principal, id: string, opts: DecisionOpts): Promise<ChangeRequest> {
    this.#assertRunning();
    const o = parseInput(DecisionSchema, opts);
    const req = this.#mustGet(id);
    this.#authorize(principal, req.id, 'reject', o.channel, rejectDenial(this.policy, principal, o.channel, req));
    this.#assertState(req, ['pending', 'approved'], 'rejected');
    this.#expireIfDue(req);
    this.#after(this.#transitions.reject(principal, req, o.channel, o.comment ?? ''));
    this.#d.logger.info({ request: req.id, by: principalKey(principal) }, 'change rejected');
    return this.#mustGet(id);
  }

  async cancel(principal: Principal, id: string, opts: DecisionOpts): Promise<ChangeRequest> {
    this.#assertRunning();
    const o = parseInput(DecisionSchema, opts);
    const req = this.#mustGet(id);
    this.#authorize(
      principal,
      req.id,
      'cancel',
      o.channel,
      mcpReadOnlyDenial(this.#mcpReadOnly, principal, o.channel, 'cancelling') ?? cancelDenial(this.policy, principal, o.channel, req),
    );
    this.#assertState(req, ['pending', 'approved'], 'cancelled');
    this.#after(this.#transitions.cancel(principal, req, o.channel, o.comment ?? ''));
    this.#d.logger.info({ request: req.id, by: principalKey(principal) }, 'change cancelled');
    return this.#mustGet(id);
  }

  subscribe(listener: (event: ChangeEvent) => void): () => void {
    return this.#events.subscribe(listener);
  }

  /** Another replica changed these requests: tells this process's views (a `remote` event each). */
  changedElsewhere(ids: readonly string[]): void {
    const events: ChangeEvent[] = [];
    for (const id of ids) {
      const request = this.get(id);
      if (request) events.push({ type: 'remote', request });
    }
    this.#events.emit(events);
  }

  /**
   * Crash recovery, then the periodic check of expiries and freeze ends. Call after registering
   * executors. `periodic: false` leaves the checks to the caller (tick(), resumeOrphans()), which
   * runs them once per cluster when several servers share the store.
   */
  start(opts: { readonly periodic?: boolean } = {}): void {
    if (this.#started) return;
    this.#started = true;
    this.#recover(undefined);
    if (opts.periodic === false) return;
    this.#timer = setInterval(() => this.tick(), this.#tickMs);
    this.#timer.unref();
  }

  /** Resumes executions the store hands over (those of a server that is gone); see ChangesStore.executingToResume. */
  resumeOrphans(): void {
    if (this.#started && !this.#stopping) this.#recover(undefined);
  }

  /** Expires what is due and starts held requests whose freeze ended (the timer calls this). */
  tick(): void {
    if (this.#stopping) return;
    try {
      this.denials.flush();
      for (const row of this.#repo.dueForExpiry(this.#d.now())) this.#after(this.#transitions.expire(this.#requests.toRequest(row)));
      for (const row of this.#repo.byState('approved')) {
        const step = this.#transitions.resume(this.#requests.toRequest(row));
        if (step) this.#after(step);
      }
    } catch (err) {
      this.#d.logger.error({ err }, 'change engine tick failed; retrying on the next tick');
    }
  }

  /** Stops the timer and aborts running executions (they stay `executing` and resume after restart). */
  stop(): Promise<void> {
    return (this.#stopping ??= (async () => {
      clearInterval(this.#timer);
      await this.#runner.stop(this.#stopTimeoutMs);
      this.denials.flush(true);
    })());
  }

  /** Resumes `executing` requests (of one kind, or all) and re-evaluates approved ones. */
  #recover(kind: ChangeKind | undefined): void {
    for (const row of this.#repo.executingToResume()) {
      if ((kind !== undefined && row.kind !== kind) || this.#runner.isRunning(String(row.id))) continue;
      const req = this.#requests.toRequest(row);
      if (!this.#executors.has(req.kind)) {
        this.#d.logger.error({ request: req.id, kind: req.kind }, 'executing change request has no executor in this server; it resumes once one is registered');
        continue;
      }
      this.#transitions.resumed(req);
      this.#d.logger.info({ request: req.id, kind: req.kind }, 'resuming a change request left executing by the previous run');
      this.#runner.start(req);
    }
    this.tick();
  }

  /** After a commit: start executions first (latency), then emit the events. */
  #after(step: Step): void {
    for (const req of step.run) this.#runner.start(req);
    this.#events.emit(step.events);
  }

  #authorize(p: Principal, requestId: string | null, action: string, channel: Channel, denial: string | undefined): void {
    if (denial === undefined) return;
    this.denials.record(principalKey(p), requestId, { principal: principalView(p), action, channel, reason: denial });
    this.#d.logger.warn({ request: requestId, action, principal: principalView(p), reason: denial }, 'change action denied by policy');
    throw new AmpgateError('forbidden', denial);
  }

  /** Per-person proposal budget on every channel; a refusal is audited (aggregated) and answered 429. */
  #limitProposals(p: Principal, channel: Channel): void {
    const person = this.policy.person(p);
    const wait = this.#proposals.take(person);
    if (wait === 0) return;
    const reason =
      `too many proposals from ${person}: at most ${this.#proposalLimit} per person (AMPGATE_PROPOSAL_RATE, AMPGATE_PROPOSAL_BURST); ` + `retry in ${wait} s`;
    this.denials.record(principalKey(p), null, { principal: principalView(p), action: 'propose', channel, reason: 'proposal rate limit' });
    this.#d.logger.warn({ principal: principalView(p), person, channel }, 'proposal refused: per-person rate limit');
    throw new AmpgateError('too_many_requests', reason, { retryAfterSeconds: wait });
  }

  #expireIfDue(req: ChangeRequest): void {
    if (this.#d.now() < Date.parse(req.expiresAt)) return;
    this.#after(this.#transitions.expire(req));
    throw new AmpgateError('conflict', `request ${req.id} expired at ${req.expiresAt}; propose it again`);
  }

  #assertState(req: ChangeRequest, allowed: readonly ChangeState[], verb: string): void {
    if (allowed.includes(req.state)) return;
    const why = req.resultSummary ? ` (${req.resultSummary})` : '';
    throw new AmpgateError('conflict', `request ${req.id} is ${req.state}${why}; only ${allowed.join(' or ')} requests can be ${verb}`, { state: req.state });
  }

  #mustGet(id: string): ChangeRequest {
    const req = this.get(id);
    if (!req) throw notFound(`change request ${id}`);
    return req;
  }

  #assertRunning(): void {
    if (this.#stopping) throw new AmpgateError('unavailable', 'ampgate is shutting down; try again after it restarts');
  }
}

function parseId(id: string): number | undefined {
  if (typeof id !== 'string' || !/^\d{1,15}$/.test(id)) return undefined;
  return Number(id);
}

/** The full fingerprint, or a prefix of at least 12 characters (what CLI and Slack display). */
function fingerprintMatches(given: string, actual: string): boolean {
  const g = given.replace(/…$/, '').toLowerCase();
  return g === actual || (g.length >= 12 && actual.startsWith(g));
}

function assertPlannable(plan: ChangePlan): void {
  if (plan.targets.length > 0) return;
  const reasons = plan.ineligible.slice(0, 5).map((i) => `${i.uid}: ${i.reason}`);
  throw new AmpgateError('unprocessable', `no eligible target: all ${plan.ineligible.length} matched agents are ineligible (${reasons.join('; ')})`, {
    ineligible: plan.ineligible,
  });
}

const AUDITED_TARGETS = 1000;

function proposalAudit(
  p: Principal,
  input: { kind: ChangeKind; channel: Channel; reason: string; target: object },
  plan: ChangePlan,
  llm: boolean,
  required: number,
  expiresAt: number,
) {
  return {
    principal: principalView(p),
    kind: input.kind,
    channel: input.channel,
    llmOriginated: llm,
    reason: input.reason,
    target: input.target,
    params: plan.params,
    targetCount: plan.targets.length,
    targets: plan.targets.slice(0, AUDITED_TARGETS),
    ...(plan.targets.length > AUDITED_TARGETS ? { targetsTruncated: true } : {}),
    ineligible: plan.ineligible.length,
    risk: plan.risk,
    requiredApprovals: required,
    payloadFingerprint: plan.payloadFingerprint,
    fingerprint: plan.fingerprint,
    summary: plan.preview.summary,
    expiresAt: new Date(expiresAt).toISOString(),
  };
}
