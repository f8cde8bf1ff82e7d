// Side-by-side rendering of a unified diff (the API returns unified diffs; the console pairs
// removed and added lines into rows).
import { html, clean } from './lib.js';

/** Rows of [left, right] cells from unified diff text. A cell is {n, text, kind} or null. */
export function sideBySide(unified) {
  const rows = [];
  let left = 0;
  let right = 0;
  let minus = [];
  let plus = [];
  const flush = () => {
    const n = Math.max(minus.length, plus.length);
    for (let i = 0; i < n; i++) rows.push({ left: minus[i] ?? null, right: plus[i] ?? null });
    minus = [];
    plus = [];
  };
  for (const line of unified.split('\n')) {
    if (line.startsWith('---') || line.startsWith('+++') || line.startsWith('Index:') || line.startsWith('====')) continue;
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) {
      flush();
      left = Number(hunk[1]);
      right = Number(hunk[2]);
      rows.push({ hunk: line });
      continue;
    }
    if (line.startsWith('-')) minus.push({ n: left++, text: line.slice(1), kind: 'del' });
    else if (line.startsWith('+')) plus.push({ n: right++, text: line.slice(1), kind: 'add' });
    else if (line.startsWith(' ')) {
      flush();
      rows.push({ left: { n: left++, text: line.slice(1), kind: 'ctx' }, right: { n: right++, text: line.slice(1), kind: 'ctx' } });
    } else if (line.startsWith('\\')) continue;
  }
  flush();
  return rows;
}

const cell = (c) =>
  c === null
    ? html`<td class="ln"></td><td class="code empty"></td>`
    : html`<td class="ln">${c.n}</td><td class=${`code ${c.kind}`}>${
        c.kind === 'del' ? html`<span class="sr-only">removed: </span>` : c.kind === 'add' ? html`<span class="sr-only">added: </span>` : ''
      }${clean(c.text)}</td>`;

export function DiffView({ diff, leftTitle = 'before', rightTitle = 'after' }) {
  if (!diff) return html`<p class="muted">No differences.</p>`;
  const rows = sideBySide(diff);
  return html`<div class="diff-wrap" tabindex="0" role="region" aria-label="side-by-side diff">
    <table class="diff">
      <thead><tr><th scope="col" class="ln"><span class="sr-only">line</span></th><th scope="col">${leftTitle}</th><th scope="col" class="ln">
      <span class="sr-only">line</span></th><th scope="col">${rightTitle}</th></tr></thead>
      <tbody>
        ${rows.map((r) => (r.hunk ? html`<tr class="hunk"><td colspan="4">${clean(r.hunk)}</td></tr>` : html`<tr>${cell(r.left)}${cell(r.right)}</tr>`))}
      </tbody>
    </table>
  </div>`;
}
