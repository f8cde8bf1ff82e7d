/**
 * The verdict on the LLM path's evaluation: which fake-model answers came through, by kind of
 * mutation. A widening answer (a dropped clause, an exclusion turned into an inclusion, the whole
 * fleet, acting where a question or refusal is due) must never be the final intent. A different
 * kind of change is rejected whenever the message has a verb the offline parser knows; for a verb
 * it does not know ("quiet down") the kind is the model's reading, which the `unusual-verb` cases
 * show separately.
 */
import type { LlmResult, Mutation } from './llm.js';
import { OUTCOMES, type Outcome } from './score.js';

const WIDENING: readonly Mutation[] = ['drop-clause', 'flip-exclusion', 'whole-fleet', 'act-anyway'];

export function llmTable(results: readonly LlmResult[]): string {
  const rows = new Map<Mutation, Record<Outcome | 'accepted', number>>();
  for (const r of results) {
    const row = rows.get(r.mutation) ?? (Object.fromEntries([...OUTCOMES, 'accepted'].map((o) => [o, 0])) as Record<Outcome | 'accepted', number>);
    row[r.outcome]++;
    if (r.acceptedBad) row.accepted++;
    rows.set(r.mutation, row);
  }
  const head = ['model answer', ...OUTCOMES, 'bad answer accepted'];
  const lines = [...rows.entries()].map(([m, row]) => [m, ...OUTCOMES.map((o) => String(row[o])), m === 'good' ? '-' : String(row.accepted)]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [`LLM path (fake model on 127.0.0.1): final intent by the model's answer, scored against the label`, fmt(head), ...lines.map(fmt)].join('\n');
}

export function judgeLlm(results: readonly LlmResult[]): { failures: string[]; lines: string[] } {
  const widening = results.filter((r) => WIDENING.includes(r.mutation) && r.acceptedBad);
  const wider = results.filter((r) => r.outcome === 'wider');
  const kindKnownVerb = results.filter((r) => r.mutation === 'other-kind' && r.acceptedBad && r.case.category !== 'unusual-verb');
  const kindUnknownVerb = results.filter((r) => r.mutation === 'other-kind' && r.acceptedBad && r.case.category === 'unusual-verb');
  const good = results.filter((r) => r.mutation === 'good');
  const lines = [
    `widening model answers accepted: ${widening.length} of ${results.filter((r) => WIDENING.includes(r.mutation)).length}`,
    `final intents wider than the label: ${wider.length}`,
    `other-kind answers accepted for verbs the offline parser knows: ${kindKnownVerb.length}`,
    `other-kind answers accepted for verbs it does not know (the model's reading, shown on the card): ${kindUnknownVerb.length} of ` +
      `${results.filter((r) => r.mutation === 'other-kind' && r.case.category === 'unusual-verb').length}`,
    `good model answers ending exact: ${good.filter((r) => r.outcome === 'exact').length} of ${good.length}`,
  ];
  for (const r of [...widening, ...wider, ...kindKnownVerb])
    lines.push(`  BAD ${r.mutation} ${JSON.stringify(r.case.text)} -> ${JSON.stringify(r.intent).slice(0, 200)}`);
  const failures = [
    ...(widening.length > 0 ? [`${widening.length} widening model answer(s) accepted`] : []),
    ...(wider.length > 0 ? [`${wider.length} LLM-path intent(s) wider than the label`] : []),
    ...(kindKnownVerb.length > 0 ? [`${kindKnownVerb.length} model answer(s) changed a known verb's kind`] : []),
  ];
  return { failures, lines };
}
