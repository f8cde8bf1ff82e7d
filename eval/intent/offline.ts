/** Runs the offline parser over the evaluation set. */
import { parseIntent } from '../../src/intent/parser.js';
import { CASES, type EvalCase } from './cases.js';
import { VOCABULARY } from './fleet.js';
import { score, type Scored } from './score.js';

export function evaluateOffline(cases: readonly EvalCase[] = CASES): Scored[] {
  return cases.map((c) => {
    const intent = parseIntent(c.text, VOCABULARY);
    return { case: c, intent, outcome: score(intent, c.expect) };
  });
}
