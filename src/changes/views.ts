/**
 * @module Compact views of change requests for lists (REST, CLI, MCP, Slack all show the same
 * thing). The full ChangeRequest is the detail view.
 */
import { principalKey } from './principal.js';
import type { ChangeRequest } from './types.js';

export interface ChangeSummary {
  readonly id: string;
  readonly kind: ChangeRequest['kind'];
  readonly state: ChangeRequest['state'];
  readonly requester: { readonly key: string; readonly name: string };
  readonly channel: ChangeRequest['channel'];
  readonly llmOriginated: boolean;
  readonly reason: string;
  /** The preview's one-line summary. */
  readonly summary: string;
  readonly agentCount: number;
  readonly ineligibleCount: number;
  readonly risk: ChangeRequest['risk'];
  readonly approvals: { readonly count: number; readonly required: number; readonly by: readonly string[] };
  readonly fingerprint: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly updatedAt: string;
  readonly resultSummary: string | null;
  readonly hold: ChangeRequest['hold'];
}

export function changeSummary(r: ChangeRequest): ChangeSummary {
  const approvers = r.approvals.filter((a) => a.decision === 'approve').map((a) => a.principal.name);
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    requester: { key: principalKey(r.requester), name: r.requester.name },
    channel: r.channel,
    llmOriginated: r.llmOriginated,
    reason: r.reason,
    summary: r.preview.summary,
    agentCount: r.targets.length,
    ineligibleCount: r.ineligible.length,
    risk: r.risk,
    approvals: { count: approvers.length, required: r.requiredApprovals, by: approvers },
    fingerprint: r.fingerprint,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    updatedAt: r.updatedAt,
    resultSummary: r.resultSummary,
    hold: r.hold ?? null,
  };
}
