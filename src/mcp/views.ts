/**
 * @module Compact tool outputs for language models: small, structured, with agent-supplied
 * strings only in data fields, config bodies redacted, and no credentials (fingerprints only).
 */
import { z } from 'zod';
import type { AgentSummary } from '../api/views.js';
import type { ChangeRequest } from '../changes/types.js';
import { changeSummary, type ChangeSummary } from '../changes/views.js';
import { describeTarget, targetText } from '../fleet/target-words.js';

export const AgentLite = z.object({
  uid: z.string(),
  connected: z.boolean(),
  transport: z.string().nullable(),
  serviceName: z.string().nullable(),
  environment: z.string().nullable(),
  healthy: z.boolean().nullable(),
  capabilities: z.array(z.string()),
  lastSeen: z.string(),
});

export function agentLite(a: AgentSummary): z.infer<typeof AgentLite> {
  const attr = (k: string) => {
    const v = a.identifyingAttributes[k] ?? a.nonIdentifyingAttributes[k];
    return v === undefined || v === null ? null : String(v);
  };
  return {
    uid: a.uid,
    connected: a.connected,
    transport: a.transport,
    serviceName: attr('service.name'),
    environment: attr('deployment.environment.name') ?? attr('deployment.environment'),
    healthy: a.healthy,
    capabilities: a.capabilities,
    lastSeen: a.lastSeen,
  };
}

/**
 * The change-request detail a model sees (get/propose/cancel tools): the common fields of the one
 * change summary (src/changes/views.ts#changeSummary), flattened, plus steps, diff, outcomes, the
 * target in words and what happens next.
 */
export const ChangeDetail = z.object({
  id: z.string(),
  kind: z.string(),
  state: z.string(),
  summary: z.string(),
  reason: z.string(),
  requester: z.string(),
  llmOriginated: z.boolean(),
  agentCount: z.number(),
  ineligible: z.array(z.object({ uid: z.string(), reason: z.string() })),
  risk: z.string(),
  requiredApprovals: z.number(),
  approvals: z.number(),
  steps: z.array(z.string()),
  diff: z.string().nullable(),
  expiresAt: z.string(),
  resultSummary: z.string().nullable(),
  outcomes: z.record(z.string(), z.number()),
  /** The exact target as proposed (selector text or uid count) and in plain words, for the model to echo back. */
  target: z.string(),
  targetInWords: z.string(),
  /** Plain words on what happens next, for the model to relay to the user. */
  next: z.string(),
});

const MAX_DIFF = 6_000;

export function changeDetail(r: ChangeRequest): z.infer<typeof ChangeDetail> {
  const s = changeSummary(r);
  const outcomes: Record<string, number> = {};
  for (const o of r.outcomes) outcomes[o.status] = (outcomes[o.status] ?? 0) + 1;
  const diff = r.preview.diffs?.[0]?.diff ?? null;
  return {
    id: s.id,
    kind: s.kind,
    state: s.state,
    summary: s.summary,
    reason: s.reason,
    requester: `${r.requester.kind}:${s.requester.name}`,
    llmOriginated: s.llmOriginated,
    agentCount: s.agentCount,
    ineligible: r.ineligible.slice(0, 50).map((i) => ({ uid: i.uid, reason: i.reason })),
    risk: s.risk,
    requiredApprovals: s.approvals.required,
    approvals: s.approvals.count,
    steps: [...r.preview.steps],
    diff: diff === null ? null : diff.length > MAX_DIFF ? `${diff.slice(0, MAX_DIFF)}\n… (truncated)` : diff,
    expiresAt: s.expiresAt,
    resultSummary: s.resultSummary,
    outcomes,
    target: targetText(r.target),
    targetInWords: describeTarget(r.target),
    next: nextStep(r, s.approvals.count),
  };
}

function nextStep(r: ChangeRequest, approvals: number): string {
  switch (r.state) {
    case 'pending':
      return `Waiting for ${r.requiredApprovals - approvals} more approval(s) from authorised on-call humans (not the requester) via Slack, the CLI or the REST API before ${r.expiresAt}. Nothing has been sent to any agent. You cannot approve it.`;
    case 'approved':
      return 'Approved; execution is held (for example by a change freeze) and starts automatically when allowed.';
    case 'executing':
      return 'Approved and executing now; check again for per-agent outcomes.';
    default:
      return `Finished: ${r.state}${r.resultSummary ? ` (${r.resultSummary})` : ''}.`;
  }
}

/** One row of list_change_requests, from the REST list view (src/changes/views.ts#changeSummary). */
export const ChangeListItem = ChangeDetail.pick({
  id: true,
  kind: true,
  state: true,
  summary: true,
  reason: true,
  requester: true,
  llmOriginated: true,
  agentCount: true,
  risk: true,
  approvals: true,
  requiredApprovals: true,
  expiresAt: true,
  resultSummary: true,
}).extend({ ineligibleCount: z.number() });

export function changeListItem(r: ChangeSummary): z.infer<typeof ChangeListItem> {
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    summary: r.summary,
    reason: r.reason,
    requester: r.requester.name,
    llmOriginated: r.llmOriginated,
    agentCount: r.agentCount,
    ineligibleCount: r.ineligibleCount,
    risk: r.risk,
    approvals: r.approvals.count,
    requiredApprovals: r.approvals.required,
    expiresAt: r.expiresAt,
    resultSummary: r.resultSummary,
  };
}
