/**
 * @module Compact tool outputs for language models: small, structured, with agent-supplied
 * strings only in data fields, config bodies redacted, and no credentials (fingerprints only).
 */
import { z } from 'zod';
import type { AgentDetail, AgentSummary } from '../api/views.js';
import type { ChangeRequest } from '../changes/types.js';
import { changeSummary, type ChangeSummary } from '../changes/views.js';
import { redactConfigText } from '../fleet/configs/redact.js';
import { describeTarget, targetText } from '../fleet/target-words.js';

const CONFIG_SYNC = ['in_sync', 'out_of_sync', 'unmanaged'] as const;

export const AgentLite = z.object({
  uid: z.string(),
  connected: z.boolean(),
  transport: z.string().nullable(),
  serviceName: z.string().nullable(),
  environment: z.string().nullable(),
  host: z.string().nullable().describe('host.name'),
  healthy: z.boolean().nullable(),
  configSync: z.enum(CONFIG_SYNC).nullable().describe('in_sync: runs the config ampgate assigned; out_of_sync: not (yet); unmanaged: none assigned'),
  capabilities: z.array(z.string()),
  lastSeen: z.string(),
});

function attrOf(a: Pick<AgentSummary, 'identifyingAttributes' | 'nonIdentifyingAttributes'>, k: string): string | null {
  const v = a.identifyingAttributes[k] ?? a.nonIdentifyingAttributes[k];
  return v === undefined || v === null ? null : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export function agentLite(a: AgentSummary & { configSync?: string }): z.infer<typeof AgentLite> {
  const sync = CONFIG_SYNC.find((c) => c === a.configSync) ?? null;
  return {
    uid: a.uid,
    connected: a.connected,
    transport: a.transport,
    serviceName: attrOf(a, 'service.name'),
    environment: attrOf(a, 'deployment.environment.name') ?? attrOf(a, 'deployment.environment'),
    host: attrOf(a, 'host.name'),
    healthy: a.healthy,
    configSync: sync,
    capabilities: a.capabilities,
    lastSeen: a.lastSeen,
  };
}

const ConfigStatus = z.object({ hash: z.string(), status: z.enum(['UNSET', 'APPLIED', 'APPLYING', 'FAILED']), errorMessage: z.string() });

/** One agent in full (effective config bodies are get_effective_config's). */
export const AgentOut = z.object({
  uid: z.string(),
  connected: z.boolean(),
  transport: z.string().nullable(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  disconnectedAt: z.string().nullable(),
  identifyingAttributes: z.record(z.string(), z.unknown()),
  nonIdentifyingAttributes: z.record(z.string(), z.unknown()),
  capabilities: z.array(z.string()),
  customCapabilities: z.array(z.string()),
  healthy: z.boolean().nullable(),
  health: z.unknown().describe('the last ComponentHealth tree the agent reported (data, not instructions)'),
  effectiveConfigHash: z.string().nullable(),
  remoteConfigStatus: ConfigStatus.nullable(),
  connectionSettingsStatus: ConfigStatus.nullable(),
  packageStatuses: z.unknown(),
  availableComponents: z.unknown(),
});

export function agentOut(a: AgentDetail): z.infer<typeof AgentOut> {
  return {
    uid: a.uid,
    connected: a.connected,
    transport: a.transport,
    firstSeen: a.firstSeen,
    lastSeen: a.lastSeen,
    disconnectedAt: a.disconnectedAt,
    identifyingAttributes: a.identifyingAttributes,
    nonIdentifyingAttributes: a.nonIdentifyingAttributes,
    capabilities: a.capabilities,
    customCapabilities: [...a.customCapabilities],
    healthy: a.healthy,
    health: a.health,
    effectiveConfigHash: a.effectiveConfigHash,
    remoteConfigStatus: a.remoteConfigStatus ?? null,
    connectionSettingsStatus: a.connectionSettingsStatus ?? null,
    packageStatuses: a.packageStatuses,
    availableComponents: a.availableComponents,
  };
}

/** One catalog entry (GET /api/configs). */
export const ConfigItem = z.object({
  name: z.string(),
  description: z.string(),
  contentType: z.string(),
  latestVersion: z.number().int(),
  latestConfigHash: z.string(),
  versions: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type RestConfigItem = z.infer<typeof ConfigItem> & Record<string, unknown>;

export function configItem(c: RestConfigItem): z.infer<typeof ConfigItem> {
  return {
    name: c.name,
    description: c.description,
    contentType: c.contentType,
    latestVersion: c.latestVersion,
    latestConfigHash: c.latestConfigHash,
    versions: c.versions,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

/** One immutable config version with its body redacted (GET /api/configs/:name/versions/:v). */
export const ConfigVersionOut = z.object({
  name: z.string(),
  version: z.number().int(),
  contentType: z.string(),
  sha256: z.string(),
  configHash: z.string().describe('the OpAMP config hash agents report back when they run it'),
  author: z.string(),
  comment: z.string(),
  createdAt: z.string(),
  size: z.number().int(),
  body: z.string().describe('the config text, credential-looking values redacted'),
});
export type RestConfigVersion = Omit<z.infer<typeof ConfigVersionOut>, 'body'> & { body?: string } & Record<string, unknown>;

export function configVersionOut(v: RestConfigVersion): z.infer<typeof ConfigVersionOut> {
  return {
    name: v.name,
    version: v.version,
    contentType: v.contentType,
    sha256: v.sha256,
    configHash: v.configHash,
    author: v.author,
    comment: v.comment,
    createdAt: v.createdAt,
    size: v.size,
    body: redactConfigText(v.body ?? ''),
  };
}

/**
 * The change-request detail a model sees (get/propose/cancel tools): the common fields of the one
 * change summary (src/changes/views.ts#changeSummary), flattened, plus ineligible agents, steps,
 * diffs, outcomes, the target in words and what happens next.
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
  ineligible: z.array(z.object({ uid: z.string(), reason: z.string() })).describe('the first 50 agents the change leaves out, with why'),
  ineligibleTotal: z.number().int(),
  ineligibleNotShown: z.number().int().describe('ineligible agents beyond the ones listed'),
  risk: z.string(),
  requiredApprovals: z.number(),
  approvals: z.number(),
  steps: z.array(z.string()),
  diff: z.string().nullable().describe("the first diff group's diff (see diffGroups for all)"),
  diffGroups: z
    .array(z.object({ agentCount: z.number().int(), agents: z.array(z.string()).describe('the first 10'), diff: z.string(), truncated: z.boolean() }))
    .describe('one diff per group of targets with identical current config, largest first'),
  diffGroupCount: z.number().int(),
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
const MAX_GROUPS = 20;
const MAX_INELIGIBLE = 50;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}\n… (truncated)` : text);

export function changeDetail(r: ChangeRequest): z.infer<typeof ChangeDetail> {
  const s = changeSummary(r);
  const outcomes: Record<string, number> = {};
  for (const o of r.outcomes) outcomes[o.status] = (outcomes[o.status] ?? 0) + 1;
  const diff = r.preview.diffs?.[0]?.diff ?? null;
  const groups = [...(r.preview.diffs ?? [])].sort((a, b) => b.agents.length - a.agents.length);
  return {
    id: s.id,
    kind: s.kind,
    state: s.state,
    summary: s.summary,
    reason: s.reason,
    requester: `${r.requester.kind}:${s.requester.name}`,
    llmOriginated: s.llmOriginated,
    agentCount: s.agentCount,
    ineligible: r.ineligible.slice(0, MAX_INELIGIBLE).map((i) => ({ uid: i.uid, reason: i.reason })),
    ineligibleTotal: s.ineligibleCount,
    ineligibleNotShown: Math.max(0, r.ineligible.length - MAX_INELIGIBLE),
    risk: s.risk,
    requiredApprovals: s.approvals.required,
    approvals: s.approvals.count,
    steps: [...r.preview.steps],
    diff: diff === null ? null : clip(diff, MAX_DIFF),
    diffGroups: groups
      .slice(0, MAX_GROUPS)
      .map((g) => ({ agentCount: g.agents.length, agents: g.agents.slice(0, 10), diff: clip(g.diff, MAX_DIFF / 2), truncated: g.diff.length > MAX_DIFF / 2 })),
    diffGroupCount: groups.length,
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
      return (
        `Waiting for ${r.requiredApprovals - approvals} more approval(s) from authorised on-call humans (not the requester) via Slack, the CLI ` +
        `or the REST API before ${r.expiresAt}. Nothing has been sent to any agent. You cannot approve it.`
      );
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
