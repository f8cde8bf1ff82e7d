/**
 * @module Port: change requests, their approvals and per-agent outcomes as stored. Principals,
 * targets, plans and previews are JSON text; src/changes/requests.ts maps rows to ChangeRequest.
 */
import type { AgentOutcomeStatus, Channel, ChangeKind, ChangeState, RiskTier } from '../../shared/vocabulary.js';

export interface ChangeRow {
  id: number;
  kind: ChangeKind;
  state: ChangeState;
  requester_key: string;
  requester: string;
  channel: Channel;
  llm_originated: number;
  reason: string;
  target: string;
  params: string;
  targets: string;
  ineligible: string;
  payload_fingerprint: string;
  fingerprint: string;
  risk: RiskTier;
  required_approvals: number;
  preview: string;
  idempotency_key: string;
  created_at: number;
  expires_at: number;
  updated_at: number;
  result_summary: string | null;
  held_reason: string | null;
  held_until: number | null;
}

export type NewChangeRow = Omit<ChangeRow, 'id' | 'state' | 'result_summary' | 'held_reason' | 'held_until' | 'updated_at'>;

export interface ApprovalRow {
  request_id: number;
  principal_key: string;
  person: string;
  principal: string;
  decision: 'approve' | 'reject';
  comment: string;
  fingerprint: string;
  channel: string;
  at: number;
}

export interface OutcomeRow {
  uid: string;
  status: AgentOutcomeStatus;
  detail: string;
  at: number;
}

export interface ChangeListFilter {
  readonly states?: readonly ChangeState[];
  readonly kind?: ChangeKind;
  /** principalKey() of the requester. */
  readonly requester?: string;
  /** Only requests created at or after this time (ms since the epoch). */
  readonly createdAfter?: number;
  /** Only requests created before this time (ms since the epoch). */
  readonly createdBefore?: number;
  /** Requests that touched this agent uid (an outcome for it) or, while open, target it. */
  readonly agent?: string;
  readonly limit?: number;
  readonly offset?: number;
}

export interface ChangesStore {
  /** Inserts a pending request; returns its id. */
  insert(row: NewChangeRow): number;
  row(id: number): ChangeRow | undefined;
  /** The open (pending, approved or executing) request with this idempotency key. */
  openByKey(key: string): ChangeRow | undefined;
  byState(state: ChangeState): ChangeRow[];
  /**
   * The `executing` requests this process should run (after a restart, or when it takes over):
   * every one on a store of its own; on a shared store, those it runs plus those whose replica is
   * gone, which it claims in the same statement (so exactly one survivor resumes each).
   */
  executingToResume(): ChangeRow[];
  /** Pending or approved (held) requests whose expiry has passed. */
  dueForExpiry(now: number): ChangeRow[];
  /** Conditional state change: true only if the request was in `from` (exactly-once transitions). Clears any hold. */
  transition(id: number, from: ChangeState, to: ChangeState, now: number, summary?: string | null): boolean;
  setHold(id: number, reason: string | null, until: number | null, now: number): void;
  insertApproval(row: ApprovalRow): void;
  /** Approvals and rejections, in the order they were given. */
  approvals(id: number): ApprovalRow[];
  /** Distinct persons that approved (not rejected) the request. */
  approvers(id: number): Set<string>;
  /** Per-agent outcomes, by uid. */
  outcomes(id: number): OutcomeRow[];
  outcome(id: number, uid: string): OutcomeRow | undefined;
  upsertOutcome(id: number, o: OutcomeRow): void;
  outcomeCounts(id: number): Partial<Record<AgentOutcomeStatus, number>>;
  /** Newest first, paged. */
  list(f?: ChangeListFilter): { total: number; rows: ChangeRow[] };
}
