/**
 * @module Reads a chat message word by word and gives every word a role: an action verb, a value
 * of the live vocabulary (service, environment, host), an exclusion, a health filter, a filler
 * word, ... Words that get no role are *unknown*, with "did you mean" suggestions. The result is
 * what both parsers are held to: the offline parser builds its intent from it, and an LLM's answer
 * must agree with it (src/intent/contract.ts).
 */
import type { ChangeKind } from '../changes/types.js';
import {
  CONFIG_WORDS,
  CONNECTION,
  COUNTS,
  CREDENTIAL_VERBS,
  CREDENTIALS,
  ENV_SYNONYMS,
  EXCLUDE,
  FAMILY,
  FILLER,
  FLEET,
  HEALTH,
  HELP,
  INJECTION_REFUSAL,
  NEGATION,
  PERIOD_WORDS,
  PRONOUNS,
  STOP_PHRASES,
  READ_CUES,
  REFUSE,
  REQUEST_WORDS,
  REVEAL,
  SCHEDULE,
  SECRET_NOUNS,
  SECRET_REFUSAL,
  STATES,
  STOP,
  TIME_OF_DAY,
  VAGUE,
  VERBS,
  CANCEL_REFUSAL,
} from './lexicon.js';
import { editDistance, suggest } from '../shared/similar.js';
import { normalise, splitReason, tokenize, type Token } from './tokens.js';
import type { KnownValue, Period, Vocabulary } from './types.js';

export type Group = 'service' | 'environment' | 'host';

export interface Suggestion {
  /** What to show: a service, environment, host, config or verb. */
  readonly value: string;
  readonly what: Group | 'config' | 'action' | 'health';
}

export type Role =
  | { readonly r: 'stop' }
  | { readonly r: 'filler' }
  | { readonly r: 'fleet' }
  | { readonly r: 'exclude' }
  | { readonly r: 'negation' }
  | { readonly r: 'read' }
  | { readonly r: 'configs' }
  | { readonly r: 'help' }
  | { readonly r: 'configVersion' }
  | { readonly r: 'pronoun'; readonly word: string }
  | { readonly r: 'but' }
  | { readonly r: 'punct'; readonly ch: string }
  | { readonly r: 'verb'; readonly kind: ChangeKind }
  | { readonly r: 'cred'; readonly certificate: boolean }
  | { readonly r: 'vague'; readonly msg: string }
  | { readonly r: 'refuse'; readonly msg: string }
  | { readonly r: 'health'; readonly healthy: boolean }
  | { readonly r: 'state'; readonly word: string; readonly msg: string }
  | { readonly r: 'connection'; readonly connected: boolean }
  | { readonly r: 'value'; readonly word: string; readonly kvs: ReadonlyArray<KnownValue & { readonly group: Group }>; readonly negate: boolean }
  | { readonly r: 'envUnknown'; readonly word: string }
  | { readonly r: 'clause'; readonly text: string }
  | { readonly r: 'uid'; readonly uid: string }
  | { readonly r: 'config'; readonly name: string; readonly version?: number; readonly badVersion?: number }
  | { readonly r: 'request'; readonly id: string }
  | { readonly r: 'requests'; readonly open: boolean }
  | { readonly r: 'period'; readonly period: Period }
  | { readonly r: 'schedule'; readonly word: string }
  | { readonly r: 'count'; readonly word: string }
  | { readonly r: 'unknown'; readonly word: string; readonly suggestions: readonly Suggestion[]; readonly start: number; readonly end: number };

export interface Analysis {
  /** The message after markup removal, without the reason. */
  readonly body: string;
  /** Everything after the body in the normalised message ("because ..."), kept for rewrites. */
  readonly tail: string;
  readonly reason?: string;
  readonly tokens: readonly Token[];
  readonly roles: readonly Role[];
  readonly vocab: Vocabulary;
}

type Mutable = Array<Role | undefined>;

const words = (phrase: string) => phrase.split(' ');
const isNumber = (t: string) => /^\d+$/.test(t);

/** Length of `phrase` at token `i` (words only; "…" is a gap of 0-8 unassigned tokens), or the consumed indices. */
function matchPhrase(tokens: readonly Token[], roles: Mutable, i: number, phrase: string): number[] | undefined {
  const parts = words(phrase);
  const used: number[] = [];
  let j = i;
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p]!;
    if (part === '…') {
      const next = parts[p + 1]!;
      let k = j;
      while (k < tokens.length && k - j <= 8 && !(tokens[k]!.type === 'word' && tokens[k]!.text === next && roles[k] === undefined)) {
        if (tokens[k]!.type === 'punct' && tokens[k]!.text !== ',') return undefined;
        k++;
      }
      if (k >= tokens.length || k - j > 8) return undefined;
      j = k;
      continue;
    }
    const t = tokens[j];
    if (t?.type !== 'word' || t.text !== part || roles[j] !== undefined) return undefined;
    used.push(j);
    j++;
  }
  return used;
}

function assignPhrases(tokens: readonly Token[], roles: Mutable, phrases: ReadonlyArray<readonly [string, Role]>): void {
  const sorted = [...phrases].sort((a, b) => words(b[0]).length - words(a[0]).length);
  for (let i = 0; i < tokens.length; i++) {
    for (const [phrase, role] of sorted) {
      const used = matchPhrase(tokens, roles, i, phrase);
      if (used) {
        for (const u of used) roles[u] = role;
        break;
      }
    }
  }
}

interface Known {
  readonly byWord: Map<string, Array<KnownValue & { readonly group: Group }>>;
  readonly unknownEnvWords: Set<string>;
}

/** Every word that resolves to a value of the live vocabulary, environment synonyms included. */
function knownWords(vocab: Vocabulary): Known {
  const byWord = new Map<string, Array<KnownValue & { readonly group: Group }>>();
  const add = (w: string, kv: KnownValue, group: Group) => {
    const list = byWord.get(w) ?? [];
    if (!list.some((x) => x.key === kv.key && x.value === kv.value)) list.push({ ...kv, group });
    byWord.set(w, list);
  };
  for (const s of vocab.services) add(s.value.toLowerCase(), s, 'service');
  for (const h of vocab.hosts) add(h.value.toLowerCase(), h, 'host');
  const unknownEnvWords = new Set<string>();
  for (const e of vocab.environments) {
    const group = ENV_SYNONYMS.find((g) => g.includes(e.value.toLowerCase())) ?? [e.value.toLowerCase()];
    for (const w of group) add(w, e, 'environment');
  }
  for (const g of ENV_SYNONYMS) for (const w of g) if (!byWord.has(w)) unknownEnvWords.add(w);
  return { byWord, unknownEnvWords };
}

/** The candidates an unknown word is compared with, each with what it would become. */
function suggestionPool(vocab: Vocabulary, known: Known, configs: boolean): Array<readonly [string, Suggestion]> {
  const pool: Array<readonly [string, Suggestion]> = [];
  for (const [w, kvs] of known.byWord) for (const kv of kvs) pool.push([w, { value: kv.value, what: kv.group }]);
  if (configs) for (const c of vocab.configs) pool.push([c.name.toLowerCase(), { value: c.name, what: 'config' }]);
  return pool;
}

const VERB_WORDS = [...new Set(VERBS.flatMap(([p]) => words(p)).filter((w) => w !== '…' && w.length >= 4))];
const HEALTH_WORDS = ['healthy', 'unhealthy'];

function suggestFor(word: string, pool: ReadonlyArray<readonly [string, Suggestion]>): Suggestion[] {
  const names = suggest(
    word,
    pool.map(([w]) => w),
  );
  const out: Suggestion[] = [];
  for (const n of names) for (const [w, s] of pool) if (w === n && !out.some((o) => o.value === s.value && o.what === s.what)) out.push(s);
  if (out.length === 0) {
    for (const v of suggest(word, VERB_WORDS, 3, true)) out.push({ value: v, what: 'action' });
    for (const h of suggest(word, HEALTH_WORDS, 1, true)) out.push({ value: h, what: 'health' });
  }
  return out;
}

/** Gives every token a role. */
export function analyze(raw: string, vocab: Vocabulary): Analysis {
  const original = normalise(raw);
  const { body, reason } = splitReason(original);
  const tail = original.slice(body.length);
  const tokens = tokenize(body);
  const roles: Mutable = new Array<Role | undefined>(tokens.length).fill(undefined);
  const known = knownWords(vocab);
  const text = (i: number) => (tokens[i]?.type === 'word' ? tokens[i]!.text : undefined);

  // Structure first: punctuation, typed selector clauses and uids.
  tokens.forEach((t, i) => {
    if (t.type === 'punct') roles[i] = { r: 'punct', ch: t.text };
    else if (t.type === 'clause') roles[i] = { r: 'clause', text: t.text };
    else if (t.type === 'uid') roles[i] = { r: 'uid', uid: t.text };
  });

  // Refusals and whole-message negation win over everything.
  if (/\{\s*"|<\/|\b(?:system|assistant|developer)\s*:/i.test(raw)) {
    tokens.forEach((_t, i) => (roles[i] ??= { r: 'refuse', msg: INJECTION_REFUSAL }));
  }
  assignPhrases(
    tokens,
    roles,
    REFUSE.map(([p, msg]) => [p, { r: 'refuse', msg }] as const),
  );
  assignPhrases(
    tokens,
    roles,
    NEGATION.map((p) => [p, { r: 'negation' }] as const),
  );

  // Change request references: "request 12", "change #7", "cr 3", "#12".
  tokens.forEach((t, i) => {
    if (roles[i] || t.type !== 'word') return;
    const next = text(i + 1);
    if (['request', 'req', 'change', 'cr', 'changes', 'requests'].includes(t.text) && next && /^#?\d+$/.test(next) && !roles[i + 1]) {
      roles[i] = roles[i + 1] = { r: 'request', id: next.replace('#', '') };
    } else if (/^#\d+$/.test(t.text)) roles[i] = { r: 'request', id: t.text.slice(1) };
  });
  tokens.forEach((t, i) => {
    if (t.text === 'cancel' && roles[i] === undefined) roles[i] = { r: 'refuse', msg: CANCEL_REFUSAL };
  });

  assignPhrases(
    tokens,
    roles,
    STOP_PHRASES.map((p) => [p, { r: 'stop' }] as const),
  );
  assignPhrases(
    tokens,
    roles,
    HEALTH.map(([p, healthy]) => [p, { r: 'health', healthy }] as const),
  );
  assignPhrases(
    tokens,
    roles,
    PERIOD_WORDS.map(([p, period]) => [p, { r: 'period', period }] as const),
  );

  // Action verbs; credential verbs count only next to a credential noun ("renew the tokens").
  assignPhrases(
    tokens,
    roles,
    VERBS.map(([p, kind]) => [p, { r: 'verb', kind }] as const),
  );
  const credPhrases = CREDENTIALS.map(([p, certificate]) => [p, { r: 'cred', certificate }] as const);
  tokens.forEach((t, i) => {
    if (roles[i] || t.type !== 'word' || !CREDENTIAL_VERBS.has(t.text)) return;
    for (let k = i + 1; k <= i + 4 && k < tokens.length; k++) {
      if (credPhrases.some(([p]) => matchPhrase(tokens, roles, k, p))) {
        roles[i] = { r: 'verb', kind: 'rotate_credentials' };
        break;
      }
    }
  });
  if (roles.some((r) => r?.r === 'verb' && r.kind === 'rotate_credentials')) assignPhrases(tokens, roles, credPhrases);

  // "change" is a vague verb when it leads the sentence, and means change requests otherwise.
  const firstContent = tokens.findIndex((t, i) => t.type !== 'punct' && !(t.type === 'word' && STOP.has(t.text) && roles[i] === undefined));
  tokens.forEach((t, i) => {
    if (t.text === 'change' && roles[i] === undefined && i !== firstContent) roles[i] = { r: 'requests', open: false };
  });
  assignPhrases(
    tokens,
    roles,
    VAGUE.map(([p, msg]) => [p, { r: 'vague', msg }] as const),
  );

  const kinds = new Set(roles.flatMap((r) => (r?.r === 'verb' ? [r.kind] : [])));
  const pushing = kinds.has('config_push');

  // The config of a push: the first catalog name after the verb, with an optional version.
  if (pushing) assignConfig(tokens, roles, vocab);

  // Exclusions: "but" only after a fleet word ("all but payments"); "non-prod" is one negated word.
  assignPhrases(
    tokens,
    roles,
    EXCLUDE.map((p) => [p, { r: 'exclude' }] as const),
  );
  tokens.forEach((t, i) => {
    if (roles[i] || t.type !== 'word') return;
    if (t.text === 'but') roles[i] = butRole(tokens, roles, i);
    const m = /^non-(.+)$/.exec(t.text);
    const kvs = m ? known.byWord.get(m[1]!) : undefined;
    if (m && kvs) roles[i] = { r: 'value', word: t.text, kvs, negate: true };
  });

  // Values of the live vocabulary (multi-word values too).
  const multi = [...known.byWord.keys()].filter((w) => w.includes(' '));
  assignPhrases(
    tokens,
    roles,
    multi.map((w) => [w, { r: 'value', word: w, kvs: known.byWord.get(w)!, negate: false }] as const),
  );
  tokens.forEach((t, i) => {
    if (roles[i] || t.type !== 'word') return;
    const kvs = known.byWord.get(t.text);
    if (kvs) roles[i] = { r: 'value', word: t.text, kvs, negate: false };
    else if (known.unknownEnvWords.has(t.text) && /^(?:in|on|to|for|the)$/.test(text(i - 1) ?? '')) roles[i] = { r: 'envUnknown', word: t.text };
  });

  const reading = kinds.size === 0;
  assignPhrases(
    tokens,
    roles,
    HELP.map((p) => [p, { r: 'help' }] as const),
  );
  assignPhrases(
    tokens,
    roles,
    Object.entries(REQUEST_WORDS).map(([p, open]) => [p, { r: 'requests', open }] as const),
  );

  tokens.forEach((t, i) => {
    if (roles[i] || t.type !== 'word') return;
    const w = t.text;
    const next = text(i + 1);
    if (READ_CUES.has(w)) roles[i] = { r: 'read' };
    else if (CONFIG_WORDS.has(w)) roles[i] = { r: 'configs' };
    else if (FLEET.has(w)) roles[i] = { r: 'fleet' };
    else if (PRONOUNS.has(w)) roles[i] = { r: 'pronoun', word: w };
    else if (FAMILY.has(w) && next !== undefined && FILLER.has(next)) roles[i] = { r: 'filler' };
    else if (FILLER.has(w)) roles[i] = { r: 'filler' };
    else if (STOP.has(w)) roles[i] = { r: 'stop' };
    else if (reading && w in CONNECTION) roles[i] = { r: 'connection', connected: CONNECTION[w]! };
    else if (w === 'paused' && kinds.has('resume') && kinds.size === 1) roles[i] = { r: 'stop' };
    else if (w === 'running' && kinds.has('pause') && kinds.size === 1) roles[i] = { r: 'stop' };
    else if (w === 'down' && i > 0 && roles[i - 1] === undefined)
      return; // "quiet down": part of an unknown verb
    else if (w in STATES) roles[i] = { r: 'state', word: w, msg: STATES[w]! };
    else if (SCHEDULE.has(w) || TIME_OF_DAY.test(w)) roles[i] = { r: 'schedule', word: w };
    else if (COUNTS.has(w) || /^\d+%$/.test(w)) roles[i] = { r: 'count', word: w };
  });

  // Secrets: a request to see a token or key is refused even when it names agents.
  const reveal = tokens.some((t, i) => REVEAL.has(t.text) && roles[i]?.r !== 'verb');
  const secret = tokens.some((t) => SECRET_NOUNS.has(t.text)) || /\b(?:api|private|signing)[ -]?keys?\b/.test(body.toLowerCase());
  if (reveal && secret && !kinds.has('rotate_credentials')) tokens.forEach((_t, i) => (roles[i] = { r: 'refuse', msg: SECRET_REFUSAL }));

  // Whatever is left is unknown; numbers next to a name may be a split name ("node 1").
  const pool = suggestionPool(vocab, known, pushing);
  tokens.forEach((t, i) => {
    if (roles[i] || t.type !== 'word') return;
    if (isNumber(t.text) && i > 0 && tokens[i - 1]!.type === 'word') {
      const prev = tokens[i - 1]!;
      const joined = [`${prev.text}-${t.text}`, `${prev.text}${t.text}`].find((j) => known.byWord.has(j));
      if (joined) {
        const s = known.byWord.get(joined)!.map((kv) => ({ value: kv.value, what: kv.group }));
        roles[i - 1] = roles[i] = { r: 'unknown', word: `${prev.text} ${t.text}`, suggestions: s, start: prev.start, end: t.end };
        return;
      }
      roles[i] = { r: 'count', word: t.text };
      return;
    }
    if (isNumber(t.text)) {
      roles[i] = { r: 'count', word: t.text };
      return;
    }
    if ([...FILLER].some((f) => f.length >= 6 && editDistance(t.text, f) <= 1)) {
      roles[i] = { r: 'filler' };
      return;
    }
    roles[i] = { r: 'unknown', word: t.text, suggestions: suggestFor(t.text, pool), start: t.start, end: t.end };
  });

  return { body, tail, ...(reason ? { reason } : {}), tokens, roles: roles as Role[], vocab };
}

/**
 * "but" excludes after a fleet word ("everything but payments", "any host but node-2"), is filler
 * before "only", and is asked about when a target follows it anywhere else ("restart payments but
 * node-2": except node-2, or and node-2?).
 */
function butRole(tokens: readonly Token[], roles: Mutable, i: number): Role {
  const quiet = (k: number) => tokens[k]?.type === 'word' && (STOP.has(tokens[k]!.text) || FILLER.has(tokens[k]!.text));
  let k = i - 1;
  while (k >= 0 && tokens[k]!.type === 'word' && FILLER.has(tokens[k]!.text)) k--;
  const before = tokens[k]?.type === 'word' ? tokens[k]!.text : '';
  if (FLEET.has(before) || (before === 'any' && k < i - 1)) return { r: 'exclude' };
  if (tokens[i + 1]?.text === 'only') return { r: 'stop' };
  let j = i + 1;
  while (j < tokens.length && quiet(j) && roles[j] === undefined) j++;
  return j < tokens.length && tokens[j]!.type !== 'punct' ? { r: 'but' } : { r: 'stop' };
}

/** Marks the pushed config (first catalog name after the verb) and its version words. */
function assignConfig(tokens: readonly Token[], roles: Mutable, vocab: Vocabulary): void {
  const names = new Map(vocab.configs.map((c) => [c.name.toLowerCase(), c] as const));
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (roles[i] || t.type !== 'word') continue;
    const m = /^(.+?)(?:@(\d+|latest))?$/.exec(t.text)!;
    let c = names.get(t.text) ?? names.get(m[1]!);
    let inline = c && names.get(t.text) ? undefined : m[2];
    if (!c) {
      const dashed = /^(.+)-v(\d+)$/.exec(t.text);
      if (dashed && names.has(dashed[1]!)) {
        c = names.get(dashed[1]!);
        inline = dashed[2];
      }
    }
    if (!c) continue;
    let version: string | undefined = inline;
    const extra: number[] = [];
    const next = tokens[i + 1]?.type === 'word' ? tokens[i + 1]!.text : undefined;
    const after = tokens[i + 2]?.type === 'word' ? tokens[i + 2]!.text : undefined;
    if (version === undefined && next && /^v\d+$/.test(next)) {
      version = next.slice(1);
      extra.push(i + 1);
    } else if (version === undefined && (next === 'version' || next === 'v' || next === '@') && after && /^(?:\d+|latest)$/.test(after)) {
      version = after;
      extra.push(i + 1, i + 2);
    } else if (version === undefined && next === 'latest') {
      version = 'latest';
      extra.push(i + 1);
    }
    const n = version && version !== 'latest' ? Number(version) : undefined;
    const bad = n !== undefined && !c.versions.includes(n);
    roles[i] = { r: 'config', name: c.name, ...(n !== undefined && !bad ? { version: n } : {}), ...(bad ? { badVersion: n } : {}) };
    for (const e of extra) roles[e] = { r: 'configVersion' };
    return;
  }
}
