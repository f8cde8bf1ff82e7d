/**
 * @module Human-readable rendering of change requests for the CLI (`ampgate changes ...`).
 */
import { TERMINAL_STATES, type ChangeRequest } from '../changes/types.js';
import type { ChangeSummary } from '../changes/views.js';
import { inline } from '../shared/safe-text.js';
import { describeTarget } from '../fleet/target-words.js';
import { ago, table, until } from './format.js';

const short = (fp: string) => fp.slice(0, 12);
const who = (p: { kind: string; id: string; name: string }) => inline(`${p.name} (${p.kind}:${p.id})`);

export function changesTable(rows: readonly ChangeSummary[], empty: string): string {
  return table(
    ['ID', 'STATE', 'KIND', 'RISK', 'APPROVALS', 'AGENTS', 'REQUESTER', 'CREATED', 'SUMMARY'],
    rows.map((c) => [
      c.id,
      c.hold && c.state === 'approved' ? 'approved (held)' : c.state,
      c.kind,
      c.risk,
      `${c.approvals.count}/${c.approvals.required}`,
      String(c.agentCount),
      `${c.requester.name}${c.llmOriginated ? ' (LLM)' : ''}`,
      ago(c.createdAt),
      c.summary,
    ]),
    empty,
  );
}

/** The full request: what will change, for whom, who approved, what happened. */
export function changeDetail(r: ChangeRequest): string {
  const approvals = r.approvals.filter((a) => a.decision === 'approve');
  const lines = [
    `change ${r.id}: ${r.kind}, ` +
      `${r.state}${r.hold && r.state === 'approved' ? ` (held by change freeze "${inline(r.hold.reason)}" until ${r.hold.until ?? 'further notice'})` : ''}`,
    `  summary:      ${inline(r.preview.summary)}`,
    `  reason:       ${inline(r.reason)}`,
    `  requester:    ${who(r.requester)} via ${r.channel}${r.llmOriginated ? ' [LLM-originated]' : ''}`,
    `  risk:         ${r.risk}; approvals ${approvals.length}/${r.requiredApprovals}`,
    `  target:       ${
      r.target.selector !== undefined
        ? `selector ${inline(r.target.selector) || '""'} (${inline(describeTarget(r.target))})`
        : `${r.target.agents?.length ?? 0} listed agents`
    } -> ${r.targets.length} eligible, ${r.ineligible.length} ineligible`,
    `  params:       ${inline(JSON.stringify(r.params))}`,
    `  fingerprint:  ${r.fingerprint} (payload ${short(r.payloadFingerprint)})`,
    `  created:      ${r.createdAt} (${ago(r.createdAt)})${expires(r)}`,
  ];
  if (TERMINAL_STATES.has(r.state)) lines.push(`  finished:     ${r.updatedAt} (${ago(r.updatedAt)})`);
  if (r.resultSummary) lines.push(`  result:       ${inline(r.resultSummary)}`);
  if (r.preview.steps.length > 0) lines.push('steps:', ...r.preview.steps.map((s, i) => `  ${i + 1}. ${inline(s)}`));
  const details = Object.entries(r.preview.details ?? {});
  if (details.length > 0)
    lines.push('details:', ...details.map(([k, v]) => `  ${inline(k)}: ${inline(typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))}`));
  const labels = Object.entries(r.preview.labelBreakdown);
  if (labels.length > 0)
    lines.push(
      'labels:',
      ...labels.map(
        ([k, vs]) =>
          `  ${inline(k)}: ${Object.entries(vs)
            .map(([v, n]) => `${inline(v)}=${n}`)
            .join(', ')}`,
      ),
    );
  if (r.ineligible.length > 0) lines.push('ineligible (not changed):', ...r.ineligible.map((i) => `  ${i.uid}  ${inline(i.reason)}`));
  for (const d of r.preview.diffs ?? [])
    lines.push(`diff for ${d.agents.length} agent(s) (${d.agents.slice(0, 3).join(', ')}${d.agents.length > 3 ? ', …' : ''}):`, d.diff);
  if (r.approvals.length > 0) {
    lines.push(
      'decisions:',
      ...r.approvals.map(
        (a) => `  ${a.decision === 'approve' ? 'approved' : 'rejected'} by ${who(a.principal)} at ${a.at}${a.comment ? `: ${inline(a.comment)}` : ''}`,
      ),
    );
  }
  lines.push(...outcomeLines(r));
  return lines.join('\n');
}

/** Only requests that can still expire say when: pending ones, and approved ones held by a freeze. */
function expires(r: ChangeRequest): string {
  return r.state === 'pending' || (r.state === 'approved' && r.hold) ? `, expires ${r.expiresAt} (${until(r.expiresAt)})` : '';
}

function outcomeLines(r: ChangeRequest): string[] {
  if (r.outcomes.length === 0) return [];
  const counts = new Map<string, number>();
  for (const o of r.outcomes) counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
  const out = [`outcomes: ${[...counts].map(([s, n]) => `${s} ${n}`).join(', ')}`];
  const notable = r.outcomes.filter((o) => o.status !== 'succeeded');
  for (const o of notable.slice(0, 50)) out.push(`  ${o.uid}  ${o.status}  ${inline(o.detail)}`);
  if (notable.length > 50) out.push(`  … and ${notable.length - 50} more (use --json)`);
  return out;
}
