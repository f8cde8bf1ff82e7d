/**
 * Scoring of parser answers against the labels in cases.ts. A proposal or read is compared by its
 * exact selector first; when that differs, by the agents it selects in the evaluation fleet, so a
 * dropped filter shows up as "wider" and an extra one as "narrower". Any answer that acts where a
 * question was expected, or acts on something else, is "different".
 */
import { formatSelector, parseSelector } from '../../src/fleet/attributes.js';
import type { Intent } from '../../src/intent/types.js';
import type { Category, EvalCase, Expected } from './cases.js';
import { agentsOf } from './fleet.js';

export const OUTCOMES = ['exact', 'wider', 'narrower', 'different', 'clarify', 'refused'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface Scored {
  readonly case: EvalCase;
  readonly intent: Intent;
  readonly outcome: Outcome;
}

type Target = { readonly selector?: string; readonly agents?: readonly string[] } | undefined;

function canonical(t: Target): string {
  if (!t) return 'selector:';
  if (t.agents)
    return `agents:${[...t.agents]
      .map((u) => u.toLowerCase())
      .sort()
      .join(',')}`;
  try {
    return `selector:${formatSelector(parseSelector(t.selector ?? ''))}`;
  } catch {
    return `unreadable:${t.selector ?? ''}`;
  }
}

/** exact / wider / narrower / different for two targets, judged on the evaluation fleet. */
export function compareOnFleet(got: Target, want: Target): Outcome {
  if (canonical(got) === canonical(want)) return 'exact';
  let g: Set<string>;
  try {
    g = agentsOf(got);
  } catch {
    return 'different';
  }
  const w = agentsOf(want);
  const gInW = [...g].every((u) => w.has(u));
  const wInG = [...w].every((u) => g.has(u));
  if (wInG && !gInW) return 'wider';
  if (gInW && !wInG) return 'narrower';
  return 'different';
}

function sameParams(x: Readonly<Record<string, unknown>>, y: Readonly<Record<string, unknown>>): boolean {
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  return [...keys].every((k) => x[k] === y[k]);
}

/** How one answer relates to its label. */
export function score(intent: Intent, expect: Expected): Outcome {
  if (intent.type === 'question') {
    if (!('clarify' in expect)) return 'clarify';
    const offered = new Set([...(intent.choices ?? []), ...(intent.retry ?? []).map((r) => r.text)]);
    const text = `${intent.question} ${[...offered].join(' ')}`;
    return (expect.suggest ?? []).every((s) => intent.choices?.includes(s) || text.includes(`\`${s}\``)) ? 'exact' : 'clarify';
  }
  if (intent.type === 'refusal') return 'refuse' in expect ? 'exact' : 'refused';
  if ('propose' in expect) {
    if (intent.type !== 'proposal' || intent.kind !== expect.propose || !sameParams(intent.params, expect.params ?? {})) return 'different';
    return compareOnFleet(intent.target, expect.agents ? { agents: expect.agents } : { selector: expect.selector ?? '' });
  }
  if ('read' in expect) {
    if (intent.type !== 'read' || intent.action !== expect.read) return 'different';
    if (
      (intent.id ?? '') !== (expect.id ?? '') ||
      (intent.period ?? '') !== (expect.period ?? '') ||
      Boolean(intent.open) !== Boolean(expect.open) ||
      intent.connected !== expect.connected
    )
      return 'different';
    if (expect.selector === undefined && intent.target === undefined) return 'exact';
    return compareOnFleet(intent.target ?? { selector: '' }, { selector: expect.selector ?? '' });
  }
  // A question or refusal was expected and the parser acted (proposed or read) instead.
  return 'different';
}

export interface Table {
  readonly rows: ReadonlyMap<Category | 'total', Record<Outcome, number>>;
  readonly total: number;
  readonly exact: number;
  /** Proposals (or reads) wider than, or different from, the label: must be 0. */
  readonly unsafe: number;
}

export function tabulate(results: readonly Scored[]): Table {
  const rows = new Map<Category | 'total', Record<Outcome, number>>();
  const empty = () => Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const r of results) {
    for (const key of [r.case.category, 'total'] as const) {
      const row = rows.get(key) ?? empty();
      row[r.outcome]++;
      rows.set(key, row);
    }
  }
  const total = results.length;
  const t = rows.get('total') ?? empty();
  return { rows, total, exact: t.exact, unsafe: t.wider + t.different };
}

export function formatTable(table: Table, title: string): string {
  const head = ['category', ...OUTCOMES, 'n'];
  const lines = [...table.rows.entries()]
    .sort(([a], [b]) => (a === 'total' ? 1 : b === 'total' ? -1 : a < b ? -1 : 1))
    .map(([cat, row]) => [cat, ...OUTCOMES.map((o) => String(row[o])), String(OUTCOMES.reduce((s, o) => s + row[o], 0))]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const pct = table.total ? ((100 * table.exact) / table.total).toFixed(1) : '0';
  return [
    title,
    fmt(head),
    ...lines.map((l, i) => (i === lines.length - 1 ? `${'-'.repeat(widths.reduce((s, w) => s + w + 2, -2))}\n${fmt(l)}` : fmt(l))),
    `exact ${table.exact}/${table.total} (${pct}%), wider or different: ${table.unsafe}`,
  ].join('\n');
}
