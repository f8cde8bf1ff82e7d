/**
 * @module The state machine of change requests, one durable transaction per step. Each step writes
 * the state change and its audit rows together (the store's UnitOfWork, `durably`), uses conditional
 * UPDATEs (`WHERE state = from`) so a transition happens exactly once, and returns the events to
 * emit and the requests to start once the transaction has committed.
 */
import { AmpgateError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { ChangesStore, NewChangeRow } from '../store/ports/changes.js';
import type { UnitOfWork } from '../store/ports/store.js';
import type { ChangeRequests } from './requests.js';
import type { AuditAction, AuditLog } from './audit.js';
import { checkDrift } from './drift.js';
import { principalKey, principalView, type Principal } from './principal.js';
import type { Policy } from './policy.js';
import type { ApprovalRecord, Channel, ChangeEvent, ChangeExecutor, ChangeKind, ChangeRequest, ChangeState, TargetSpec } from './types.js';

export interface ChangeDeps {
  readonly uow: UnitOfWork;
  readonly repo: ChangesStore;
  readonly requests: ChangeRequests;
  /** Validates a target and returns its canonical text (src/fleet/targeting.ts#canonicalTarget). */
  readonly canonicalTarget: (target: TargetSpec) => string;
  readonly audit: AuditLog;
  readonly policy: Policy;
  readonly now: () => number;
  readonly logger: Logger;
  readonly executors: ReadonlyMap<ChangeKind, ChangeExecutor>;
}

/** What a committed step leaves to do: events to emit, requests to execute, an error to report. */
export interface Step {
  readonly events: ChangeEvent[];
  readonly run: ChangeRequest[];
  error?: AmpgateError;
}

export const SYSTEM = 'system';
const iso = (ms: number) => new Date(ms).toISOString();

export class Transitions {
  readonly #d: ChangeDeps;

  constructor(deps: ChangeDeps) {
    this.#d = deps;
  }

  /** Stores a proposal, or returns the open request with the same idempotency key. */
  propose(row: NewChangeRow, auditData: Record<string, unknown>): { request: ChangeRequest; existing: boolean; step: Step } {
    return this.#d.uow.durably(() => {
      const step = newStep();
      const open = this.#d.repo.openByKey(row.idempotency_key);
      if (open) return { request: this.#d.requests.toRequest(open), existing: true, step };
      const id = this.#d.repo.insert(row);
      this.#audit(row.requester_key, 'change.proposed', id, auditData);
      const request = this.#load(id);
      step.events.push({ type: 'proposed', request });
      return { request, existing: false, step };
    });
  }

  /** Records an approval; at the required count moves pending -> approved and begins execution. */
  approve(p: Principal, req: ChangeRequest, channel: Channel, comment: string): Step {
    const id = Number(req.id);
    return this.#d.uow.durably(() => {
      const step = newStep();
      const now = this.#d.now();
      const approval: ApprovalRecord = { principal: p, decision: 'approve', comment, fingerprint: req.fingerprint, at: iso(now) };
      this.#insertDecision(id, p, approval, channel, now);
      const count = this.#d.repo.approvers(id).size;
      this.#audit(principalKey(p), 'change.approved', id, {
        principal: principalView(p),
        channel,
        comment,
        fingerprint: req.fingerprint,
        approvals: count,
        required: req.requiredApprovals,
      });
      step.events.push({ type: 'approval', request: this.#load(id), approval });
      if (count < req.requiredApprovals) return step;
      if (!this.#d.repo.transition(id, 'pending', 'approved', now)) throw new AmpgateError('conflict', `request ${id} is no longer pending`);
      step.events.push({ type: 'state', request: this.#load(id), from: 'pending' });
      this.#begin(id, step);
      return step;
    });
  }

  /** A rejection ends the request (pending, or approved and held by a freeze). */
  reject(p: Principal, req: ChangeRequest, channel: Channel, comment: string): Step {
    const id = Number(req.id);
    return this.#d.uow.durably(() => {
      const step = newStep();
      const now = this.#d.now();
      const approval: ApprovalRecord = { principal: p, decision: 'reject', comment, fingerprint: req.fingerprint, at: iso(now) };
      const summary = `rejected by ${p.name}${comment ? `: ${comment}` : ''}`;
      if (!this.#d.repo.transition(id, req.state, 'rejected', now, summary))
        throw new AmpgateError('conflict', `request ${id} changed state meanwhile; try again`);
      this.#insertDecision(id, p, approval, channel, now);
      this.#audit(principalKey(p), 'change.rejected', id, { principal: principalView(p), channel, comment, from: req.state });
      const request = this.#load(id);
      step.events.push({ type: 'approval', request, approval }, { type: 'state', request, from: req.state });
      return step;
    });
  }

  cancel(p: Principal, req: ChangeRequest, channel: Channel, comment: string): Step {
    const id = Number(req.id);
    return this.#end(id, req.state, 'cancelled', `cancelled by ${p.name}${comment ? `: ${comment}` : ''}`, principalKey(p), 'change.cancelled', {
      principal: principalView(p),
      channel,
      comment,
    });
  }

  /** Moves a pending or held request whose expiry passed to `expired`. */
  expire(req: ChangeRequest): Step {
    const approvals = req.approvals.filter((a) => a.decision === 'approve').length;
    const summary =
      `expired at ${req.expiresAt} with ${approvals} of ${req.requiredApprovals} ` +
      `approvals${req.hold ? ` (held by change freeze: ${req.hold.reason})` : ''}`;
    return this.#end(Number(req.id), req.state, 'expired', summary, SYSTEM, 'change.expired', {
      expiresAt: req.expiresAt,
      approvals,
      required: req.requiredApprovals,
    });
  }

  /**
   * Re-evaluates an `approved` request (held by a freeze, or left approved by a crash): still
   * frozen -> refresh the hold; otherwise begin execution. Returns undefined when nothing changed.
   */
  resume(req: ChangeRequest): Step | undefined {
    const id = Number(req.id);
    const freeze = this.#d.policy.freezeAt(this.#d.now(), req.kind);
    if (freeze && req.hold) {
      const until = freeze.until === null ? null : iso(freeze.until);
      if (freeze.reason !== req.hold.reason || until !== req.hold.until) this.#d.repo.setHold(id, freeze.reason, freeze.until, this.#d.now());
      return undefined;
    }
    return this.#d.uow.durably(() => {
      const step = newStep();
      if (this.#d.repo.row(id)?.state !== 'approved') return step;
      if (req.hold) this.#audit(SYSTEM, 'change.released', id, { heldBy: req.hold.reason });
      this.#begin(id, step);
      return step;
    });
  }

  /** Marks an `executing` request as resumed after a restart (audited; the runner calls execute again). */
  resumed(req: ChangeRequest): void {
    this.#d.uow.durably(() => this.#audit(SYSTEM, 'change.execution_resumed', Number(req.id), { fingerprint: req.fingerprint }));
  }

  /**
   * Inside a transaction, for an `approved` request: hold it if a freeze is in force, refuse it
   * if its inputs drifted, otherwise approved -> executing (and queue it to run after commit).
   */
  #begin(id: number, step: Step): void {
    const now = this.#d.now();
    const req = this.#load(id);
    const freeze = this.#d.policy.freezeAt(now, req.kind);
    if (freeze) {
      this.#d.repo.setHold(id, freeze.reason, freeze.until, now);
      const until = freeze.until === null ? 'further notice' : iso(freeze.until);
      this.#audit(SYSTEM, 'change.held', id, { freeze: freeze.reason, until: freeze.until === null ? null : iso(freeze.until) });
      step.events.push({ type: 'progress', request: this.#load(id), message: `approved; held by change freeze "${freeze.reason}" until ${until}` });
      return;
    }
    const executor = this.#d.executors.get(req.kind);
    if (!executor) {
      this.#finishEarly(id, step, `no executor for ${req.kind} is registered in this server; nothing was sent`, 'change.result', { state: 'failed' });
      return;
    }
    const drift = checkDrift(executor, req, this.#d.canonicalTarget);
    if (drift) {
      this.#finishEarly(id, step, `drift: ${drift.reason}; nothing was sent`, 'change.drift_refused', { reason: drift.reason, ...drift.details });
      step.error = new AmpgateError(
        'conflict',
        `request ${id} was not executed: ${drift.reason} since it was proposed; nothing was sent. Propose it again to review the current state.`,
        {
          request: String(id),
          drift: drift.reason,
          ...drift.details,
        },
      );
      return;
    }
    if (!this.#d.repo.transition(id, 'approved', 'executing', now)) throw new AmpgateError('conflict', `request ${id} is no longer approved`);
    this.#audit(SYSTEM, 'change.execution_started', id, { fingerprint: req.fingerprint, targets: req.targets.length });
    const request = this.#load(id);
    step.events.push({ type: 'state', request, from: 'approved' });
    step.run.push(request);
  }

  #finishEarly(id: number, step: Step, summary: string, action: AuditAction, data: Record<string, unknown>): void {
    if (!this.#d.repo.transition(id, 'approved', 'failed', this.#d.now(), summary)) throw new AmpgateError('conflict', `request ${id} is no longer approved`);
    this.#audit(SYSTEM, action, id, { ...data, summary });
    step.events.push({ type: 'state', request: this.#load(id), from: 'approved' });
  }

  #end(id: number, from: ChangeState, to: ChangeState, summary: string, actor: string, action: AuditAction, data: Record<string, unknown>): Step {
    return this.#d.uow.durably(() => {
      const step = newStep();
      if (!this.#d.repo.transition(id, from, to, this.#d.now(), summary))
        throw new AmpgateError('conflict', `request ${id} changed state meanwhile; try again`);
      this.#audit(actor, action, id, { ...data, from, summary });
      step.events.push({ type: 'state', request: this.#load(id), from });
      return step;
    });
  }

  #insertDecision(id: number, p: Principal, a: ApprovalRecord, channel: Channel, now: number): void {
    this.#d.repo.insertApproval({
      request_id: id,
      principal_key: principalKey(p),
      person: this.#d.policy.person(p),
      principal: JSON.stringify(p),
      decision: a.decision,
      comment: a.comment,
      fingerprint: a.fingerprint,
      channel,
      at: now,
    });
  }

  #audit(actor: string, action: AuditAction, id: number | null, data: Record<string, unknown>): void {
    this.#d.audit.append(actor, action, id === null ? null : String(id), data);
  }

  #load(id: number): ChangeRequest {
    const r = this.#d.requests.load(id);
    if (!r) throw new AmpgateError('not_found', `change request ${id} not found`);
    return r;
  }
}

function newStep(): Step {
  return { events: [], run: [] };
}
