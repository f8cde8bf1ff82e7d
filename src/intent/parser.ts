/**
 * @module The deterministic, offline intent parser. It recognises one action verb, resolves
 * targets and config names only against values that exist (the Vocabulary), and asks a question
 * whenever the text is ambiguous, negated, names something unknown or lacks a target. It never
 * guesses: a wrong guess would put a wrong change in front of approvers.
 */
import type { ChangeKind } from '../changes/types.js';
import type { Intent, IntentParser, KnownValue, QuestionIntent, Vocabulary } from './types.js';

const UUID_RE = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;
const CLAUSE_RE = /\b([a-z][a-z0-9_./-]*)\s*(!=|=)\s*([^\s,;]+)/g;
const CHANGE_ID_RE = /\b(?:request|change|cr)\s*#?\s*([0-9a-z-]{4,})\b/;

/** Verb patterns per action. Order does not matter; two different actions in one message is a question. */
const KIND_PATTERNS: ReadonlyArray<readonly [ChangeKind, RegExp]> = [
  ['resume', /\b(resume|unpause|un-pause|turn\b[^.]{0,60}?\bback on|start\b[^.]{0,60}?\b(?:again|back up))\b/],
  ['pause', /\b(pause|suspend|turn\b(?:(?!back)[^.]){0,60}?\boff|silence|mute)\b/],
  ['restart', /\b(restart|reboot|bounce|power[- ]?cycle|recycle)\b/],
  ['rotate_credentials', /\b(rotate|re-?key|renew (?:the )?(?:creds|credentials|tokens?|keys?|certs?|certificates?)|roll (?:the |their |its )?(?:creds|credentials|tokens?|keys?|certs?|certificates?))\b/],
  ['config_push', /\b(push|roll(?:ing)? (?:[\w.@-]+ )?out|rollout|roll-out|deploy|ship|apply (?:config|configuration|[\w.-]+@)|switch (?:\w+ )?to config|use config)\b/],
];

/** Verbs too vague to act on; they get a question naming the precise alternatives. */
const VAGUE: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bstop\b/, 'Do you want to *pause* them (pipelines stop, the agent keeps running and can be resumed) or *restart* them?'],
  [/\bstart\b/, 'Do you want to *resume* paused agents or *restart* them?'],
  [/\b(fix|sort out|deal with|handle|update|upgrade|change|reconfigure|tweak|kill)\b/, 'What exactly should happen? I can propose: push a config, pause, resume, restart or rotate credentials.'],
];

const NEGATION = /\b(don'?t|do not|never|no need to|shouldn'?t|should not|cancel that|not now)\b/;
const FLEET_WIDE = /\b(all agents|all collectors|every agent|every collector|everything|entire fleet|whole fleet|fleet-?wide|all of them|everyone)\b/;
const FILLER_NOUN = '(?:collectors?|agents?|pipelines?|services?|instances?|nodes?|boxes|fleet|ones)';

const ENV_SYNONYMS: Record<string, readonly string[]> = {
  prod: ['prod', 'production', 'prd', 'live'],
  staging: ['staging', 'stage', 'stg', 'preprod', 'pre-prod'],
  dev: ['dev', 'development'],
  test: ['test', 'testing'],
  qa: ['qa'],
  sandbox: ['sandbox'],
};

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
const word = (s: string) => new RegExp(`(?<![\\w.-])${escape(s)}(?![\\w-]|\\.\\w)`);

export class DeterministicIntentParser implements IntentParser {
  async parse(text: string, vocabulary: Vocabulary): Promise<Intent> {
    return parseIntent(text, vocabulary);
  }
}

/** Strips Slack markup (mentions, channel and link syntax) and normalises quotes and spaces. */
export function normalise(text: string): string {
  return text
    .replace(/<@[A-Z0-9]+(?:\|[^>]*)?>/g, ' ')
    .replace(/<#[A-Z0-9]+\|([^>]*)>/g, '$1')
    .replace(/<(https?:[^|>]+)(?:\|([^>]*))?>/g, (_m, url: string, label?: string) => label ?? url)
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/\s+/g, ' ')
    .trim();
}

function question(q: string, choices?: readonly string[]): QuestionIntent {
  return choices && choices.length > 0 ? { type: 'question', question: q, choices } : { type: 'question', question: q };
}

/** Splits off "because …" so words in the reason are not read as targets. */
function splitReason(original: string): { body: string; reason?: string } {
  const m = /\s*(?:,|-|—)?\s*\b(because(?: of)?|since|due to|reason:)\s+(.+)$/i.exec(original);
  if (!m || m.index === 0) return { body: original };
  return { body: original.slice(0, m.index), reason: m[2]!.trim() };
}

export function parseIntent(raw: string, vocab: Vocabulary): Intent {
  const original = normalise(raw);
  const { body, reason } = splitReason(original);
  let t = body.toLowerCase();
  if (t === '' || /^(help|\?|what can you do\??|commands)$/.test(t)) {
    return { type: 'read', action: 'help', understood: 'help' };
  }
  if (NEGATION.test(t)) {
    return question("That sounds like something you do *not* want done, so I haven't proposed anything. What should happen instead?");
  }

  const kinds = KIND_PATTERNS.filter(([, re]) => re.test(t)).map(([k]) => k);
  const unique = [...new Set(kinds)];
  if (unique.length > 1) {
    return question(`I read more than one action (${unique.map(label).join(', ')}). I can propose one change at a time: which one first?`, unique.map(label));
  }
  const kind = unique[0];
  if (!kind) return readOrVague(t, vocab);

  // Config reference first, so a config named like a service is not read as a target.
  let params: Record<string, unknown> = {};
  if (kind === 'config_push') {
    const ref = findConfig(t, vocab);
    if (ref.type === 'question') return ref;
    params = ref.version === undefined ? { config: ref.name } : { config: ref.name, version: ref.version };
    t = t.replace(ref.matched, ' ');
  }
  if (kind === 'rotate_credentials') {
    params = /\b(certs?|certificates?|mtls|client cert)/.test(t) ? { credential: 'certificate' } : { credential: 'token' };
  }

  const target = findTarget(t, vocab);
  if (target.type === 'question') return target;
  const understood = `${label(kind)}${params.config ? ` ${String(params.config)}${params.version ? ` v${String(params.version)}` : ' (latest version)'}` : ''} → ${target.describe}`;
  return { type: 'proposal', kind, target: target.spec, params, understood, ...(reason ? { reason } : {}) };
}

function label(kind: ChangeKind): string {
  return { config_push: 'push config', pause: 'pause', resume: 'resume', restart: 'restart', rotate_credentials: 'rotate credentials' }[kind];
}

function readOrVague(t: string, vocab: Vocabulary): Intent {
  const uid = t.match(UUID_RE)?.[0];
  const asks = /\b(list|show|which|what|how many|status|get|see|display|any)\b/.test(t) || t.endsWith('?');
  if (asks || /^(agents|configs|requests|changes)\b/.test(t)) {
    if (/\b(requests?|changes?|approvals?|pending)\b/.test(t)) {
      const id = CHANGE_ID_RE.exec(t)?.[1];
      return id ? { type: 'read', action: 'show_request', id, understood: `show change request ${id}` } : { type: 'read', action: 'list_requests', understood: 'list change requests' };
    }
    if (/\bconfigs?\b|\bconfigurations?\b/.test(t)) return { type: 'read', action: 'list_configs', understood: 'list configs' };
    if (uid) return { type: 'read', action: 'show_agent', id: uid, understood: `show agent ${uid}` };
    const target = findTarget(t, vocab, true);
    if (target.type === 'question') return target;
    return { type: 'read', action: 'list_agents', target: target.spec, understood: `list agents (${target.describe})` };
  }
  for (const [re, q] of VAGUE) if (re.test(t)) return question(q);
  return question("I didn't recognise an action. I can propose: *push* a config, *pause*, *resume*, *restart* or *rotate credentials* — e.g. `pause the checkout collectors in prod`.");
}

interface ConfigRef {
  readonly type: 'config';
  readonly name: string;
  readonly version?: number;
  readonly matched: string;
}

/** Finds one catalog config in the text: `name`, `name@3`, `name v3`, `name version 3`, `name-v3`. */
function findConfig(t: string, vocab: Vocabulary): ConfigRef | QuestionIntent {
  const names = vocab.configs.map((c) => c.name);
  const found: ConfigRef[] = [];
  for (const c of [...vocab.configs].sort((a, b) => b.name.length - a.name.length)) {
    const lower = c.name.toLowerCase();
    const re = new RegExp(`(?<![\\w.-])${escape(lower)}(?:\\s*(?:@|\\bv|\\bversion\\s+|-v)\\s*(\\d+|latest))?(?![\\w-])`);
    const m = re.exec(t);
    if (!m || found.some((f) => f.matched.includes(lower))) continue;
    const v = m[1] && m[1] !== 'latest' ? Number(m[1]) : undefined;
    if (v !== undefined && !c.versions.includes(v)) {
      return question(`Config ${c.name} has no version ${v}. Versions: ${c.versions.join(', ')}.`, c.versions.map((n) => `${c.name}@${n}`));
    }
    found.push({ type: 'config', name: c.name, version: v, matched: m[0] });
  }
  if (found.length === 1) return found[0]!;
  if (found.length > 1) return question(`Which config: ${found.map((f) => f.name).join(' or ')}?`, found.map((f) => f.name));
  const named = /\b(?:push|deploy|ship|roll(?:ing)?(?: out)?|apply|config)\s+([a-z0-9][\w.@-]*)/.exec(t)?.[1];
  const hint = named && !['out', 'the', 'a', 'config', 'to'].includes(named) ? `I don't know a config called "${named}". ` : '';
  return question(`${hint}Which config should I push?`, names);
}

interface TargetRef {
  readonly type: 'target';
  readonly spec: { agents?: string[]; selector?: string };
  readonly describe: string;
}

function matchKnown(t: string, values: readonly KnownValue[]): KnownValue[] {
  const hits = values.filter((v) => word(v.value.toLowerCase()).test(t));
  // Prefer the longest names: "checkout-v2" over "checkout" when both match the same words.
  return hits.filter((h) => !hits.some((o) => o !== h && o.value.length > h.value.length && o.value.toLowerCase().includes(h.value.toLowerCase())));
}

function matchEnvironments(t: string, envs: readonly KnownValue[]): { hits: KnownValue[]; unknown?: string } {
  const hits = new Map<string, KnownValue>();
  for (const e of envs) {
    const group = Object.values(ENV_SYNONYMS).find((g) => g.includes(e.value.toLowerCase())) ?? [e.value.toLowerCase()];
    if (group.some((w) => word(w).test(t))) hits.set(`${e.key}=${e.value}`, e);
  }
  if (hits.size > 0) return { hits: [...hits.values()] };
  for (const group of Object.values(ENV_SYNONYMS)) {
    const w = group.find((g) => new RegExp(`\\b(?:in|on|to|for) (?:the )?${escape(g)}\\b|\\b${escape(g)} ${FILLER_NOUN}\\b`).test(t));
    if (w) return { hits: [], unknown: w };
  }
  return { hits: [] };
}

function findTarget(t: string, vocab: Vocabulary, allowEmpty = false): TargetRef | QuestionIntent {
  const uids = [...new Set(t.match(UUID_RE) ?? [])];
  if (uids.length > 0) return { type: 'target', spec: { agents: uids }, describe: `${uids.length} agent${uids.length > 1 ? 's' : ''} by uid` };

  const clauses = [...t.matchAll(CLAUSE_RE)].map((m) => `${m[1]}${m[2]}${m[3]}`);
  if (clauses.length > 0) return { type: 'target', spec: { selector: clauses.join(',') }, describe: `agents where ${clauses.join(' and ')}` };

  const parts: string[] = [];
  const envs = matchEnvironments(t, vocab.environments);
  if (envs.unknown) {
    return question(`No agent reports the environment "${envs.unknown}". Known environments: ${vocab.environments.map((e) => e.value).join(', ') || 'none'}.`, vocab.environments.map((e) => e.value));
  }
  if (envs.hits.length > 1) return question(`I can target one environment at a time: ${envs.hits.map((e) => e.value).join(' or ')}?`, envs.hits.map((e) => e.value));
  const services = matchKnown(t, vocab.services);
  if (services.length > 1) return question(`I can target one service at a time: ${services.map((s) => s.value).join(' or ')}?`, services.map((s) => s.value));
  const hosts = matchKnown(t, vocab.hosts);
  if (hosts.length > 1) return question(`I can target one host at a time: ${hosts.map((h) => h.value).join(' or ')}?`, hosts.map((h) => h.value));
  const unknown = unknownName(t, vocab);
  if (unknown) {
    // "pause the billing collectors in prod" must not become "pause everything in prod".
    return question(`I don't know a service called "${unknown}". Known services: ${vocab.services.map((s) => s.value).join(', ') || 'none'}.`, vocab.services.map((s) => s.value));
  }
  for (const kv of [services[0], envs.hits[0], hosts[0]]) if (kv) parts.push(`${kv.key}=${kv.value}`);

  if (parts.length === 0) {
    if (FLEET_WIDE.test(t) || allowEmpty) return { type: 'target', spec: { selector: '' }, describe: 'every agent in the fleet' };
    return question('Which agents? Name a service, an environment, a host or agent uids — or say "all agents".', [
      ...vocab.services.map((s) => s.value),
      ...vocab.environments.map((e) => e.value),
    ]);
  }
  return { type: 'target', spec: { selector: parts.join(',') }, describe: `agents where ${parts.join(' and ')}` };
}

const NOT_NAMES = new Set(['all', 'the', 'our', 'otel', 'opentelemetry', 'fluent', 'fluentbit', 'paused', 'running', 'whole', 'entire', 'every', 'broken', 'unhealthy', 'healthy', 'new', 'old', 'remaining', 'other', 'same']);

/** A word used as a service name ("the X collectors") that matches nothing known. */
function unknownName(t: string, vocab: Vocabulary): string | undefined {
  const re = new RegExp(`\\b(?:the|our|all|those|these|my) ([a-z0-9][a-z0-9._-]*) ${FILLER_NOUN}\\b`, 'g');
  const known = new Set([
    ...vocab.services.map((s) => s.value.toLowerCase()),
    ...vocab.hosts.map((h) => h.value.toLowerCase()),
    ...vocab.environments.map((e) => e.value.toLowerCase()),
    ...Object.values(ENV_SYNONYMS).flat(),
  ]);
  for (const m of t.matchAll(re)) {
    const name = m[1]!;
    if (!known.has(name) && !NOT_NAMES.has(name)) return name;
  }
  return undefined;
}
