/**
 * Evaluates the LLM path's post-checks without a model: a local fake OpenAI-compatible server on
 * 127.0.0.1 answers each message with a chosen intent, and the real LlmIntentParser (HTTP, schema,
 * contract) turns it into the final intent. For every case the fake answers once with the label
 * itself (a good answer) and then with answers that widen or change it: a dropped selector clause,
 * an exclusion turned into an inclusion, the whole fleet, another kind of change, and for questions
 * and refusals a fleet-wide restart. None of those may come out as the final intent.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatSelector, parseSelector } from '../../src/fleet/attributes.js';
import { LlmIntentParser } from '../../src/intent/llm.js';
import { DeterministicIntentParser } from '../../src/intent/parser.js';
import type { Intent } from '../../src/intent/types.js';
import type { EvalCase, Expected } from './cases.js';
import { CASES } from './cases.js';
import { VOCABULARY } from './fleet.js';
import { compareOnFleet, score, type Outcome, type Scored } from './score.js';

export type Mutation = 'good' | 'drop-clause' | 'flip-exclusion' | 'whole-fleet' | 'other-kind' | 'act-anyway';

export interface LlmResult extends Scored {
  readonly mutation: Mutation;
  /** The fake model's answer. */
  readonly answer: unknown;
  /** True when the final intent is the model's bad answer (must never happen for a bad answer). */
  readonly acceptedBad: boolean;
}

const OTHER: Record<string, string> = { restart: 'pause', pause: 'restart', resume: 'restart', config_push: 'restart', rotate_credentials: 'restart' };

function goodAnswer(e: Expected): Record<string, unknown> {
  if ('propose' in e) {
    return {
      type: 'proposal',
      kind: e.propose,
      target: e.agents ? { agents: e.agents } : { selector: e.selector ?? '' },
      params: e.params ?? {},
      understood: 'what the model understood',
    };
  }
  if ('read' in e) {
    const { read, selector, ...rest } = e;
    return { type: 'read', action: read, ...(selector !== undefined ? { target: { selector } } : {}), ...rest, understood: 'what the model understood' };
  }
  if ('clarify' in e) return { type: 'question', question: 'Which agents do you mean?' };
  return { type: 'refusal', reason: 'I cannot do that.' };
}

/** Answers that act wider than, or differently from, the label. */
function badAnswers(e: Expected): Array<[Mutation, Record<string, unknown>]> {
  const base = goodAnswer(e);
  const out: Array<[Mutation, Record<string, unknown>]> = [];
  if ('propose' in e) {
    const clauses = e.selector !== undefined ? parseSelector(e.selector) : [];
    clauses.forEach((_c, i) => out.push(['drop-clause', { ...base, target: { selector: formatSelector(clauses.filter((_x, k) => k !== i)) } }]));
    clauses.forEach((c, i) => {
      if (c.negate)
        out.push(['flip-exclusion', { ...base, target: { selector: formatSelector(clauses.map((x, k) => (k === i ? { ...x, negate: false } : x))) } }]);
    });
    if (e.agents || clauses.length > 0) out.push(['whole-fleet', { ...base, target: { selector: '' } }]);
    out.push(['other-kind', { ...base, kind: OTHER[e.propose], params: {} }]);
  } else {
    out.push(['act-anyway', { type: 'proposal', kind: 'restart', target: { selector: '' }, params: {}, understood: 'restart everything' }]);
  }
  return out;
}

function sameAsAnswer(intent: Intent, answer: Record<string, unknown>): boolean {
  if (intent.type !== 'proposal' || answer.type !== 'proposal') return false;
  const target = answer.target as { selector?: string; agents?: string[] };
  return intent.kind === answer.kind && compareOnFleet(intent.target, target) === 'exact';
}

export async function evaluateLlm(cases: readonly EvalCase[] = CASES): Promise<LlmResult[]> {
  let answer: unknown = {};
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: JSON.stringify(answer) } }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  const errors: string[] = [];
  const parser = new LlmIntentParser({
    baseUrl: `http://127.0.0.1:${port}/v1`,
    model: 'fake',
    fallback: new DeterministicIntentParser(),
    onError: (e) => errors.push(e),
    systemPrompt: 'test',
  });
  const results: LlmResult[] = [];
  try {
    for (const c of cases) {
      for (const [mutation, a] of [['good', goodAnswer(c.expect)] as [Mutation, Record<string, unknown>], ...badAnswers(c.expect)]) {
        answer = a;
        const intent = await parser.parse(c.text, VOCABULARY);
        const outcome: Outcome = score(intent, c.expect);
        const bad = mutation !== 'good' && score(a as unknown as Intent, c.expect) !== 'exact';
        results.push({ case: c, intent, outcome, mutation, answer: a, acceptedBad: bad && sameAsAnswer(intent, a) });
      }
    }
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
  return results;
}
