/**
 * @module Block Kit rendering: approval cards, lists and details. Short and scannable, within
 * Slack's limits (3000 chars per text, 10 fields per section, 50 blocks per message). Every
 * agent-supplied or user-supplied string is escaped so it cannot ping channels or forge links.
 */
import type { AgentDetail, AgentSummary } from '../api/views.js';
import type { ChangeRequest } from '../changes/types.js';
import { block, inline } from '../shared/safe-text.js';
import { describeTarget, targetText } from '../fleet/target-words.js';
import { describeAction } from '../intent/describe.js';

// Block Kit objects are plain JSON; a loose type keeps this file independent of @slack/types churn.
export type Block = Record<string, unknown>;

const MAX_TEXT = 2900;
const ACTIVE = new Set(['pending', 'approved']);
const STATE_ICON: Record<string, string> = {
  pending: '⏳',
  approved: '✅',
  executing: '⚙️',
  succeeded: '✅',
  partially_failed: '⚠️',
  failed: '❌',
  rejected: '🚫',
  expired: '⌛',
  cancelled: '🚫',
};

const html = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * One line of text for mrkdwn: Slack's control characters escaped (`<!channel>` in an agent
 * attribute must stay text), and control characters, line breaks and bidirectional overrides
 * shown as visible escapes (an agent must not add lines to a card or reorder what it shows).
 */
export function esc(text: string): string {
  return html(inline(text));
}

/** Multi-line text (diffs, progress): line breaks stay, every other control character is made visible. */
export function escBlock(text: string): string {
  return html(block(text));
}

function clip(text: string, max = MAX_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max - 20)}\n… (truncated)`;
}

const md = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text) } });
const context = (text: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(text, 2900) }] });

export function shortId(id: string): string {
  return id.slice(0, 8);
}

function requesterText(r: ChangeRequest): string {
  const who = r.requester.kind === 'slack' ? `<@${r.requester.id.split(':').pop()}>` : esc(`${r.requester.name} (${r.requester.kind})`);
  return `${who} via ${r.channel}${r.llmOriginated ? ' · _interpreted from natural language_' : ''}`;
}

/**
 * The change in plain words with its exact target, e.g. "restart 4 agents: every agent except
 * service payments (`service.name!=payments`)". Built from the stored request, so it shows what an
 * approval covers, whatever text or model produced the request.
 */
export function restatement(r: Pick<ChangeRequest, 'kind' | 'params' | 'target' | 'targets'>): string {
  const n = r.targets.length;
  return `${describeAction(r.kind, r.params)} ${n} agent${n === 1 ? '' : 's'}: ${describeTarget(r.target)} (\`${targetText(r.target)}\`)`;
}

/** The approval card; buttons only while the request can still be decided. */
export function approvalCard(r: ChangeRequest): Block[] {
  const approvals = r.approvals.filter((a) => a.decision === 'approve');
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: `${STATE_ICON[r.state] ?? ''} Change ${shortId(r.id)}: ${r.kind.replace('_', ' ')}`.slice(0, 150) } },
    md(`*${esc(r.preview.summary)}*`),
    md(`*Target:* ${esc(restatement(r))}`),
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Requested by*\n${requesterText(r)}` },
        { type: 'mrkdwn', text: `*Reason*\n${esc(clip(r.reason, 1900))}` },
        { type: 'mrkdwn', text: `*Targets*\n${r.targets.length} agent(s)${r.ineligible.length ? `, ${r.ineligible.length} ineligible` : ''}` },
        { type: 'mrkdwn', text: `*Risk*\n${r.risk}` },
        { type: 'mrkdwn', text: `*Approvals*\n${approvals.length} of ${r.requiredApprovals}${approvals.length ? ` (${approvals.map((a) => esc(a.principal.name)).join(', ')})` : ''}` },
        { type: 'mrkdwn', text: `*State*\n${r.state}${ACTIVE.has(r.state) ? ` · expires <!date^${Math.floor(Date.parse(r.expiresAt) / 1000)}^{time}|${r.expiresAt}>` : ''}` },
      ],
    },
  ];
  const breakdown = Object.entries(r.preview.labelBreakdown)
    .map(([k, vs]) => `*${esc(k)}*: ${Object.entries(vs).map(([v, n]) => `${esc(v)} ×${n}`).join(', ')}`)
    .join('\n');
  if (breakdown) blocks.push(md(breakdown));
  if (r.preview.steps.length) blocks.push(md(`*Plan*\n${r.preview.steps.map((s, i) => `${i + 1}. ${esc(s)}`).join('\n')}`));
  if (r.ineligible.length) {
    const shown = r.ineligible.slice(0, 10).map((i) => `• \`${i.uid}\` — ${esc(i.reason)}`);
    if (r.ineligible.length > 10) shown.push(`… and ${r.ineligible.length - 10} more`);
    blocks.push(md(`*Ineligible (not changed)*\n${shown.join('\n')}`));
  }
  const diff = r.preview.diffs?.[0];
  if (diff) {
    const groups = r.preview.diffs!.length;
    const note = `${diff.agents.length} agent(s)${groups > 1 ? `; ${groups - 1} more group(s) with a different current config` : ''}. Full diff: \`ampgate changes show ${r.id}\``;
    blocks.push(md(`*Diff* (${note})\n\`\`\`${escBlock(clip(diff.diff, 2400))}\`\`\``));
  }
  if (r.preview.details && Object.keys(r.preview.details).length) {
    blocks.push(context(Object.entries(r.preview.details).map(([k, v]) => `${esc(k)}: ${esc(String(v))}`).join(' · ')));
  }
  if (r.outcomes.length) {
    const counts: Record<string, number> = {};
    for (const o of r.outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
    blocks.push(md(`*Agents*: ${Object.entries(counts).map(([s, n]) => `${s} ${n}`).join(' · ')}`));
  }
  if (r.resultSummary) blocks.push(md(`*Result*: ${esc(r.resultSummary)}`));
  if (r.state === 'pending') {
    const value = `${r.id}|${r.fingerprint}`;
    blocks.push({
      type: 'actions',
      block_id: `change:${r.id}`,
      elements: [
        { type: 'button', action_id: 'change_approve', style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value },
        { type: 'button', action_id: 'change_reject', style: 'danger', text: { type: 'plain_text', text: 'Reject' }, value },
      ],
    });
  }
  blocks.push(context(`id \`${r.id}\` · fingerprint \`${r.fingerprint.slice(0, 12)}\``));
  return blocks;
}

export function cardText(r: ChangeRequest): string {
  return `Change ${shortId(r.id)} (${r.kind}) is ${r.state}: ${inline(r.preview.summary)} — ${inline(restatement(r))}`;
}

/** A page of agents; long lists show the first `pageSize` and say how to narrow them. */
export function agentList(agents: readonly AgentSummary[], total: number, pageSize = 20): Block[] {
  if (total === 0) return [md('No agents match.')];
  const lines = agents.slice(0, pageSize).map((a) => {
    const svc = a.identifyingAttributes['service.name'];
    const env = a.identifyingAttributes['deployment.environment'] ?? a.nonIdentifyingAttributes['deployment.environment'];
    return `${a.connected ? '🟢' : '⚪'} \`${a.uid}\` ${esc(String(svc ?? '-'))}${env ? ` · ${esc(String(env))}` : ''}${a.healthy === false ? ' · unhealthy' : ''}`;
  });
  const more = total > lines.length ? `\n… ${total - lines.length} more: narrow with \`/ampgate agents key=value\`` : '';
  return [md(`*${total} agent(s)*\n${lines.join('\n')}${more}`)];
}

export function agentDetailBlocks(a: AgentDetail): Block[] {
  const attrs = (o: Record<string, unknown>) => Object.entries(o).map(([k, v]) => `${esc(k)}=${esc(String(v))}`).join(', ') || '-';
  const rc = a.remoteConfigStatus;
  return [
    md(`*Agent* \`${a.uid}\` — ${a.connected ? '🟢 online' : '⚪ offline'} via ${a.transport ?? '-'}`),
    md(
      [
        `*Identifying*: ${attrs(a.identifyingAttributes)}`,
        `*Non-identifying*: ${attrs(a.nonIdentifyingAttributes)}`,
        `*Capabilities*: ${a.capabilities.join(', ') || '-'}`,
        `*Healthy*: ${a.healthy === null ? '-' : a.healthy}`,
        `*Remote config*: ${rc ? `${rc.status} \`${rc.hash.slice(0, 12)}\`${rc.errorMessage ? ` ${esc(rc.errorMessage)}` : ''}` : '-'}`,
        `*Effective config*: ${a.effectiveConfigHash ? `\`${a.effectiveConfigHash.slice(0, 12)}\`` : '-'} (full: \`ampgate agent ${a.uid}\`)`,
      ].join('\n'),
    ),
  ];
}

export function requestList(requests: readonly ChangeRequest[], total: number): Block[] {
  if (total === 0) return [md('No change requests.')];
  const lines = requests
    .slice(0, 20)
    .map((r) => `${STATE_ICON[r.state] ?? ''} \`${shortId(r.id)}\` ${r.kind} · ${r.state} · ${r.targets.length} agent(s) · ${esc(r.preview.summary)}`);
  return [md(`*${total} change request(s)*\n${lines.join('\n')}`)];
}
