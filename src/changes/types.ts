/**
 * @module The change-request contract shared by the engine (src/changes), the executors
 * (src/fleet, src/creds) and the channels (REST, CLI, MCP, Slack). Every mutating action is a
 * change request: proposed -> approved by humans -> executed by an executor -> verified -> audited.
 */
import type { AgentOutcomeStatus, ChangeKind, ChangeState, Channel, RiskTier } from '../shared/vocabulary.js';
import type { ChangeListFilter } from '../store/ports/changes.js';
import type { Principal } from './principal.js';

export { CHANGE_KINDS, CHANGE_STATES, type AgentOutcomeStatus, type ChangeKind, type ChangeState, type Channel, type RiskTier } from '../shared/vocabulary.js';

/** States from which nothing moves any more. */
export const TERMINAL_STATES: ReadonlySet<ChangeState> = new Set(['rejected', 'expired', 'cancelled', 'succeeded', 'partially_failed', 'failed']);

/**
 * Which agents a change is for: an explicit uid list, or an attribute selector
 * (`service.name=checkout,deployment.environment=prod`). Exactly one of the two.
 */
export interface TargetSpec {
  readonly agents?: readonly string[];
  readonly selector?: string;
}

export interface ProposalInput {
  readonly kind: ChangeKind;
  readonly target: TargetSpec;
  readonly params: Record<string, unknown>;
  /** Why; required and shown to approvers. */
  readonly reason: string;
  readonly channel: Channel;
  /** Optional expiry override in minutes (bounded by policy). */
  readonly expiresInMinutes?: number;
}

export interface IneligibleTarget {
  readonly uid: string;
  /** e.g. "lacks AcceptsRemoteConfig in its latest message", "offline and HTTP-only", "manual rotation needed". */
  readonly reason: string;
}

/** What approvers see: exactly what will change and for how many agents. Never contains secrets. */
export interface ChangePreview {
  /** One line: "Push otel-gateway v3 (sha256 1a2b…) to 12 agents". */
  readonly summary: string;
  readonly agentCount: number;
  /** attribute -> value -> number of eligible targets, for service.name, deployment.environment, host.name and a few more. */
  readonly labelBreakdown: Record<string, Record<string, number>>;
  readonly ineligible: readonly IneligibleTarget[];
  /** Ordered steps of the approved plan, e.g. ["canary: 1 agent", "then the remaining 11 agents", "halt on FAILED or unhealthy"]. */
  readonly steps: readonly string[];
  /**
   * Unified diffs against the targets' current effective config, grouped by identical current
   * config (so 500 identical agents show one diff). Absent for kinds without a config payload.
   */
  readonly diffs?: ReadonlyArray<{ readonly agents: readonly string[]; readonly diff: string }>;
  /** Other kind-specific facts, e.g. credential fingerprints "…a3f9 -> new". */
  readonly details?: Record<string, string | number | boolean>;
}

/** The result of planning a change against the current fleet: no side effects. */
export interface ChangePlan {
  /** Params after defaults were applied and references pinned (e.g. version resolved to a number). */
  readonly params: Record<string, unknown>;
  /** Resolved eligible target set (sorted uids). */
  readonly targets: readonly string[];
  readonly ineligible: readonly IneligibleTarget[];
  /** Fingerprint of the payload alone (e.g. the config hash). */
  readonly payloadFingerprint: string;
  /**
   * Fingerprint of everything an approval vouches for: kind, pinned params, payload fingerprint
   * and the sorted eligible targets. Re-planned at execution; a different value means drift.
   */
  readonly fingerprint: string;
  readonly risk: RiskTier;
  readonly preview: ChangePreview;
}

export interface ApprovalRecord {
  readonly principal: Principal;
  readonly decision: 'approve' | 'reject';
  readonly comment: string;
  /** The fingerprint the approver saw. */
  readonly fingerprint: string;
  readonly at: string;
}

export interface AgentOutcome {
  readonly uid: string;
  readonly status: AgentOutcomeStatus;
  readonly detail: string;
  readonly at: string;
}

/** A change request as stored and as returned by every channel. */
export interface ChangeRequest {
  readonly id: string;
  readonly kind: ChangeKind;
  readonly state: ChangeState;
  readonly requester: Principal;
  readonly channel: Channel;
  /** True when a language model produced the proposal (MCP, natural language in Slack). */
  readonly llmOriginated: boolean;
  readonly reason: string;
  readonly target: TargetSpec;
  readonly params: Record<string, unknown>;
  readonly targets: readonly string[];
  readonly ineligible: readonly IneligibleTarget[];
  readonly payloadFingerprint: string;
  readonly fingerprint: string;
  readonly risk: RiskTier;
  readonly requiredApprovals: number;
  readonly approvals: readonly ApprovalRecord[];
  readonly preview: ChangePreview;
  readonly idempotencyKey: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly updatedAt: string;
  /** Why the request ended where it did (rejection comment, drift reason, executor summary). */
  readonly resultSummary: string | null;
  readonly outcomes: readonly AgentOutcome[];
  /**
   * Set while a fully approved request waits for a change freeze to end (state stays `approved`;
   * it starts by itself when the freeze ends, unless it expires first). `until` is null when the
   * freeze has no computable end. Absent or null otherwise.
   */
  readonly hold?: { readonly reason: string; readonly until: string | null } | null;
}

/** Handed to an executor while it runs one request. */
export interface ExecutionContext {
  /** Aborted when the server shuts down; the executor stops and is resumed after restart. */
  readonly signal: AbortSignal;
  /** Records (durably, audited, emitted as progress) the outcome for one agent. */
  outcome(uid: string, status: AgentOutcomeStatus, detail?: string): void;
  /** Free-text progress for the request's thread ("canary applied on 1/1, continuing"). */
  progress(message: string): void;
}

export interface ExecutionResult {
  readonly state: 'succeeded' | 'partially_failed' | 'failed';
  readonly summary: string;
}

/**
 * Executes one kind of change. Registered with the engine at startup.
 *
 * Contract:
 * - `plan` is a pure read of current state; it throws AmpgateError('unprocessable' | 'bad_request')
 *   for bad params or targets. The engine calls it at proposal time and again right before
 *   execution (drift check).
 * - `execute` runs an approved request to a terminal result. It is called once per request in
 *   normal operation; after a crash or restart it is called again for a request that was left
 *   `executing`, and must then **resume** from its persisted state (never redo effects that already
 *   happened, never send twice what was sent). It must write its own durable state in SQLite
 *   before acting on agents.
 * - Per-agent results go through `ctx.outcome`; nothing secret goes into details.
 */
export interface ChangeExecutor {
  readonly kind: ChangeKind;
  plan(target: TargetSpec, params: Record<string, unknown>): ChangePlan;
  execute(request: ChangeRequest, ctx: ExecutionContext): Promise<ExecutionResult>;
}

export type ChangeEvent =
  | { readonly type: 'proposed'; readonly request: ChangeRequest }
  | { readonly type: 'approval'; readonly request: ChangeRequest; readonly approval: ApprovalRecord }
  | { readonly type: 'state'; readonly request: ChangeRequest; readonly from: ChangeState }
  | { readonly type: 'outcome'; readonly request: ChangeRequest; readonly outcome: AgentOutcome }
  | { readonly type: 'progress'; readonly request: ChangeRequest; readonly message: string }
  /**
   * Another replica on the shared store changed this request (state, approvals, outcomes): what
   * this process shows live (the console's stream) reads it again. Only views act on it.
   */
  | { readonly type: 'remote'; readonly request: ChangeRequest };

export type { ChangeListFilter } from '../store/ports/changes.js';

/**
 * The one write path: every channel calls this. Authorisation (roles, self-approval, LLM and MCP
 * restrictions, policy) is enforced here, not at the edges; edges only map their caller to a
 * Principal and their errors to their medium. Errors are AmpgateError with codes from
 * src/shared/errors.ts (403 forbidden, 404 not_found, 409 conflict incl. drift, 422 unprocessable).
 */
export interface ChangeService {
  /** Plans and stores a pending request; a repeat of an open identical proposal returns it with existing=true. */
  propose(principal: Principal, input: ProposalInput): Promise<{ readonly request: ChangeRequest; readonly existing: boolean }>;
  get(id: string): ChangeRequest | undefined;
  list(filter?: ChangeListFilter): { readonly total: number; readonly requests: readonly ChangeRequest[] };
  /**
   * Records an approval. `fingerprint`, when given, must equal the request's (the approver saw
   * this exact change). When the required approvals are reached the request executes; the call
   * returns without waiting for execution to finish. Approving twice is a no-op.
   */
  approve(
    principal: Principal,
    id: string,
    opts: { readonly channel: Channel; readonly comment?: string; readonly fingerprint?: string },
  ): Promise<ChangeRequest>;
  reject(principal: Principal, id: string, opts: { readonly channel: Channel; readonly comment?: string }): Promise<ChangeRequest>;
  /** Only the requester (or an admin) may cancel, and only while pending or approved-not-started. */
  cancel(principal: Principal, id: string, opts: { readonly channel: Channel; readonly comment?: string }): Promise<ChangeRequest>;
  /** Subscribe to every change event (for Slack cards and MCP progress). Returns an unsubscribe function. */
  subscribe(listener: (event: ChangeEvent) => void): () => void;
}
