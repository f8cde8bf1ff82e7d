/**
 * The intent evaluation set (eval/intent) as a regression test: the offline parser must never
 * answer wider than or different from a label and must stay at least 85% exact, and the LLM path
 * (real HTTP to a fake model on 127.0.0.1) must never let a widening answer through.
 */
import { describe, expect, it } from 'vitest';
import { CASES } from '../../eval/intent/cases.js';
import { judgeLlm } from '../../eval/intent/judge.js';
import { evaluateLlm } from '../../eval/intent/llm.js';
import { evaluateOffline } from '../../eval/intent/offline.js';
import { tabulate } from '../../eval/intent/score.js';

describe('intent evaluation set', () => {
  it('has at least 200 labelled phrasings covering every category and every kind of label', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(200);
    expect(new Set(CASES.map((c) => c.text)).size).toBe(CASES.length);
    for (const cat of ['typo', 'plural', 'abbreviation', 'exclusion', 'health', 'host', 'uid', 'request-id', 'time', 'out-of-scope', 'injection'] as const) {
      expect(CASES.filter((c) => c.category === cat).length, cat).toBeGreaterThanOrEqual(5);
    }
    for (const label of ['propose', 'read', 'clarify', 'refuse'])
      expect(
        CASES.some((c) => label in c.expect),
        label,
      ).toBe(true);
  });

  it('offline parser: no answer wider than or different from its label, at least 85% exact', () => {
    const results = evaluateOffline();
    const table = tabulate(results);
    const unsafe = results.filter((r) => r.outcome === 'wider' || r.outcome === 'different').map((r) => `${r.case.text} -> ${JSON.stringify(r.intent)}`);
    expect(unsafe).toEqual([]);
    expect(table.exact / table.total).toBeGreaterThanOrEqual(0.85);
    // What is not exact is a clarifying question (or a refusal), never an action.
    expect(results.filter((r) => r.outcome !== 'exact').every((r) => r.intent.type === 'question' || r.intent.type === 'refusal')).toBe(true);
  });

  it('LLM path: widening model answers are rejected (fake model over HTTP on 127.0.0.1)', async () => {
    const results = await evaluateLlm();
    const verdict = judgeLlm(results);
    expect(verdict.failures).toEqual([]);
    expect(results.filter((r) => r.mutation !== 'good').length).toBeGreaterThan(500);
    expect(results.filter((r) => r.mutation === 'good' && r.outcome === 'exact').length / CASES.length).toBeGreaterThanOrEqual(0.85);
  });
});
