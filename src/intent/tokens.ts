/**
 * @module Chat text to tokens: Slack markup removed, tokens pasted by mistake dropped (they are
 * never echoed back), the reason ("because ...") split off, and the rest cut into words, uids,
 * `key=value` clauses and punctuation.
 */
import { TOKEN_PATTERN } from '../shared/secrets.js';

export type TokenType = 'word' | 'clause' | 'uid' | 'punct';

export interface Token {
  readonly type: TokenType;
  /** Lower-cased text (clauses keep the user's case for the value). */
  readonly text: string;
  /** Offsets in the body the token came from, for rewriting "did you mean" suggestions. */
  readonly start: number;
  readonly end: number;
}

/** Strips Slack markup (mentions, channel and link syntax, emphasis) and normalises quotes and spaces. */
export function normalise(text: string): string {
  return text
    .replace(TOKEN_PATTERN, ' ')
    .replace(/<@[A-Z0-9]+(?:\|[^>]*)?>/g, ' ')
    .replace(/<#[A-Z0-9]+\|([^>]*)>/g, '$1')
    .replace(/<(https?:[^|>]+)(?:\|([^>]*))?>/g, (_m, url: string, label?: string) => label ?? url)
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/(^|\s)[*_~`]+|[*_~`]+(?=\s|$|[,.;:!?])/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

const TIME_WORD = /^(?:yesterday|today|the last|the past|last|past|this)\b/i;

/** Splits off "because …" (and "since …" unless it is a time, "for INC-123") so reasons are not read as targets. */
export function splitReason(original: string): { body: string; reason?: string } {
  const re = /\s*(?:,|-|—)?\s*\b(because(?: of)?|since|due to|reason:|as part of|for (?=(?:inc|incident|ticket|jira|sev|case)\b[-\s#]*\w))\s*(.+)$/i;
  const m = re.exec(original);
  if (!m || m.index === 0) return { body: original };
  if (/^since$/i.test(m[1]!) && TIME_WORD.test(m[2]!)) return { body: original };
  const lead = /^for\b/i.test(m[1]!) ? m[0].replace(/^\s*(?:,|-|—)?\s*for\s*/i, '') : m[2]!;
  return { body: original.slice(0, m.index), reason: lead.trim() };
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const TOKEN_RE = new RegExp(
  [
    `(?<clause>[a-z][\\w./-]*\\s*!?=\\s*[^\\s,;=]+)`,
    `(?<uid>(?<![\\w-])${UUID}(?![\\w-]))`,
    `(?<word>[a-z0-9#+{"\\[<][a-z0-9._@'#%+:"{}<>/\\[\\]-]*)`,
    `(?<punct>[,;.?!()])`,
  ].join('|'),
  'gi',
);

/** Cuts a message body into tokens. Trailing dots and colons stay with the sentence, not the word. */
export function tokenize(body: string): Token[] {
  const out: Token[] = [];
  for (const m of body.matchAll(TOKEN_RE)) {
    const g = m.groups!;
    const start = m.index;
    if (g.clause) {
      out.push({ type: 'clause', text: g.clause.replace(/\s+/g, ''), start, end: start + g.clause.length });
    } else if (g.uid) {
      out.push({ type: 'uid', text: g.uid.toLowerCase(), start, end: start + g.uid.length });
    } else if (g.word) {
      let w = g.word;
      const trail = /[.:'"]+$/.exec(w)?.[0] ?? '';
      if (trail && w.length > trail.length) w = w.slice(0, -trail.length);
      out.push({ type: 'word', text: w.toLowerCase(), start, end: start + w.length });
      if (trail.includes('.')) out.push({ type: 'punct', text: '.', start: start + w.length, end: start + w.length + 1 });
    } else if (g.punct) {
      out.push({ type: 'punct', text: g.punct, start, end: start + 1 });
    }
  }
  return out;
}
