/**
 * `npm run eval:intent`: scores the offline parser on the evaluation set (confusion table by
 * category, the held-out part separately, every answer that is not exact), then the LLM path's
 * post-checks against a local fake model. Exits non-zero when any proposal is wider than or
 * different from its label, when fewer than 85% of answers are exact, or when the LLM path lets a
 * widening answer through.
 */
import { CASES } from './cases.js';
import { judgeLlm, llmTable } from './judge.js';
import { evaluateLlm } from './llm.js';
import { evaluateOffline } from './offline.js';
import { formatTable, tabulate } from './score.js';

const verbose = process.argv.includes('--verbose');
const offline = evaluateOffline(CASES);
const all = tabulate(offline);
console.log(formatTable(all, `Offline parser: ${CASES.length} phrasings`));
console.log('');
console.log(formatTable(tabulate(offline.filter((r) => r.case.split === 'holdout')), 'Offline parser, held-out phrasings only'));
console.log('');
const notExact = offline.filter((r) => r.outcome !== 'exact');
console.log(`Not exact (${notExact.length}):`);
for (const r of notExact)
  console.log(
    `  ${r.outcome.padEnd(9)} [${r.case.category}] ${JSON.stringify(r.case.text)}\n            -> ${JSON.stringify(r.intent).slice(0, verbose ? 2000 : 200)}`,
  );

const llm = await evaluateLlm(CASES);
const verdict = judgeLlm(llm);
console.log('');
console.log(llmTable(llm));
console.log(verdict.lines.join('\n'));

const exactShare = all.exact / all.total;
const failures = [
  ...(all.unsafe > 0 ? [`${all.unsafe} offline answer(s) wider than or different from the label`] : []),
  ...(exactShare < 0.85 ? [`only ${(100 * exactShare).toFixed(1)}% exact (target: 85%)`] : []),
  ...verdict.failures,
];
console.log('');
if (failures.length > 0) {
  console.log(`FAIL: ${failures.join('; ')}`);
  process.exitCode = 1;
} else {
  console.log(`PASS: 0 wider or different, ${(100 * exactShare).toFixed(1)}% exact, no widening model answer accepted`);
}
