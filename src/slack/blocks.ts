/**
 * @module Block Kit rendering: approval cards, lists and details. Short and scannable. Every
 * agent-supplied or user-supplied string is escaped so it cannot ping channels or forge links, and
 * Slack's limits are enforced on the escaped result (block-limits.ts).
 */
import type { AgentDetail, AgentSummary } from '../api/views.js';
import type { ChangeRequest } from '../changes/types.js';
import { block, inline } from '../shared/safe-text.js';
import { describeTarget, targetText } from '../fleet/target-words.js';
import { describeAction } from '../intent/describe.js';
import { codeBlock, fitBlocks, fitText, LIMITS, type Block } from './block-limits.js';

// Block Kit objects are plain JSON; a loose type keeps this file independent of @slack/types churn.
export type { Block };

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

const md = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: fitText(text, LIMITS.sectionText) } });
const context = (text: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text: fitText(text, LIMITS.contextText) }] });
const field = (label: string, text: string) => ({ type: 'mrkdwn', text: fitText(`*${label}*\n${text}`, LIMITS.field) });

export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** Who asked, and whether a person or a language model worded the request. */
export function requesterText(r: Pick<ChangeRequest, 'requester' | 'channel' | 'llmOriginated'>): string {
  const who = r.requester.kind === 'slack' ? `<@${r.requester.id.split(':').pop()}>` : esc(`${r.requester.name} (${r.requester.kind})`);
  if (!r.llmOriginated) return `${who} via ${r.channel}`;
  // Natural language in Slack is a person's words read by a parser; anything else LLM-marked came from an agent over MCP.
  if (r.channel === 'slack') return `${who} via slack · _interpreted from natural language_`;
  return `${who} · _proposed by an LLM agent via MCP_`;
}

/** The target exactly as stored: the selector text, or the uids (first ten). */
function exactTarget(target: ChangeRequest['target']): string {
  if (target.agents !== undefined) {
    const shown = target.agents
      .slice(0, 10)
      .map((u) => `\`${esc(u)}\``)
      .join(', ');
    return `${target.agents.length} uid(s): ${shown}${target.agents.length > 10 ? `, … ${target.agents.length - 10} more` : ''}`;
  }
  return target.selector ? `\`${esc(target.selector)}\`` : '`""` (empty selector: every agent)';
}

/**
 * An instant as date, time and time zone: UTC spelled out for the record, and Slack's date token
 * so each reader also sees it in their own time zone.
 */
export function instantText(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return esc(iso);
  const utc = `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `${utc} (<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time} your time|${utc}>)`;
}

const WARNING = /^warning:\s*/i;

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
  const warnings = r.preview.steps.filter((s) => WARNING.test(s));
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: `${STATE_ICON[r.state] ?? ''} Change ${shortId(r.id)}: ${r.kind.replace('_', ' ')}` } },
    md(`*${esc(r.preview.summary)}*`),
    ...warnings.map((w) => md(`:warning: *Warning:* ${esc(w.replace(WARNING, ''))}`)),
    md(`*Target:* ${esc(restatement(r))}\n*Selector:* ${exactTarget(r.target)}`),
    {
      type: 'section',
      fields: [
        field('Requested by', requesterText(r)),
        field('Reason', esc(r.reason)),
        field('Targets', `${r.targets.length} agent(s)${r.ineligible.length ? `, ${r.ineligible.length} ineligible` : ''}`),
        field('Risk', r.risk),
        field(
          'Approvals',
          `${approvals.length} of ${r.requiredApprovals}${approvals.length ? ` (${approvals.map((a) => esc(a.principal.name)).join(', ')})` : ''}`,
        ),
        field('State', r.state),
        ...(ACTIVE.has(r.state) ? [field('Expires', instantText(r.expiresAt))] : []),
      ],
    },
  ];
  const breakdown = Object.entries(r.preview.labelBreakdown)
    .map(
      ([k, vs]) =>
        `*${esc(k)}*: ${Object.entries(vs)
          .map(([v, n]) => `${esc(v)} ×${n}`)
          .join(', ')}`,
    )
    .join('\n');
  if (breakdown) blocks.push(md(breakdown));
  const steps = r.preview.steps.filter((s) => !WARNING.test(s));
  if (steps.length) blocks.push(md(`*Plan*\n${steps.map((s, i) => `${i + 1}. ${esc(s)}`).join('\n')}`));
  if (r.ineligible.length) {
    const shown = r.ineligible.slice(0, 10).map((i) => `• \`${i.uid}\` — ${esc(i.reason)}`);
    if (r.ineligible.length > 10) shown.push(`… and ${r.ineligible.length - 10} more`);
    blocks.push(md(`*Ineligible (not changed)*\n${shown.join('\n')}`));
  }
  const diff = r.preview.diffs?.[0];
  if (diff) {
    const groups = r.preview.diffs!.length;
    const note =
      `${diff.agents.length} agent(s)${groups > 1 ? `; ${groups - 1} more group(s) with a different current config` : ''}. Full diff: ` +
      `\`ampgate changes show ${esc(r.id)}\``;
    const head = `*Diff* (${note})\n`;
    blocks.push(md(`${head}${codeBlock(escBlock(diff.diff), LIMITS.sectionText - head.length)}`));
  }
  if (r.preview.details && Object.keys(r.preview.details).length) {
    blocks.push(
      context(
        Object.entries(r.preview.details)
          .map(([k, v]) => `${esc(k)}: ${esc(String(v))}`)
          .join(' · '),
      ),
    );
  }
  if (r.outcomes.length) {
    const counts: Record<string, number> = {};
    for (const o of r.outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
    blocks.push(
      md(
        `*Agents*: ${Object.entries(counts)
          .map(([s, n]) => `${s} ${n}`)
          .join(' · ')}`,
      ),
    );
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
  blocks.push(context(`id \`${esc(r.id)}\` · fingerprint \`${r.fingerprint.slice(0, 12)}\``));
  return fitBlocks(blocks);
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
    return (
      `${a.connected ? '🟢' : '⚪'} \`${a.uid}\` ` +
      `${esc(String(svc ?? '-'))}${env ? ` · ${esc(String(env))}` : ''}${a.healthy === false ? ' · unhealthy' : ''}`
    );
  });
  const more = total > lines.length ? `\n… ${total - lines.length} more: narrow with \`/ampgate agents key=value\`` : '';
  return [md(`*${total} agent(s)*\n${lines.join('\n')}${more}`)];
}

export function agentDetailBlocks(a: AgentDetail): Block[] {
  const attrs = (o: Record<string, unknown>) =>
    Object.entries(o)
      .map(([k, v]) => `${esc(k)}=${esc(String(v))}`)
      .join(', ') || '-';
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
