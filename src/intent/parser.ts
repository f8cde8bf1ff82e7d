/**
 * @module The deterministic, offline intent parser. Every word of the message gets a role
 * (analyze.ts); the intent is built only from words that resolved exactly against the live
 * vocabulary. Anything else (an unknown or misspelt word, a narrowing word no selector can say,
 * two actions, a schedule) becomes a question, with "did you mean" rewrites where a close match
 * exists. It never guesses: a wrong guess would put a wrong change in front of approvers.
 */
import type { ChangeKind } from '../changes/types.js';
import { analyze, type Analysis, type Role } from './analyze.js';
import { DETERMINERS } from './lexicon.js';
import { describeProposal, describeRead } from './describe.js';
import { resolveTarget } from './resolve-target.js';
import type { Intent, IntentParser, Period, QuestionIntent, ReadIntent, Retry, Vocabulary } from './types.js';

export class DeterministicIntentParser implements IntentParser {
  async parse(text: string, vocabulary: Vocabulary): Promise<Intent> {
    return parseIntent(text, vocabulary);
  }
}

function question(q: string, choices?: readonly string[], retry?: readonly Retry[]): QuestionIntent {
  return {
    type: 'question',
    question: q,
    ...(choices && choices.length > 0 ? { choices } : {}),
    ...(retry && retry.length > 0 ? { retry } : {}),
  };
}

type Of<R extends Role['r']> = Extract<Role, { r: R }>;
function all<R extends Role['r']>(a: Analysis, r: R): Array<Of<R>> {
  return a.roles.filter((x): x is Of<R> => x.r === r);
}
const has = (a: Analysis, r: Role['r']) => a.roles.some((x) => x.r === r);

export function parseIntent(raw: string, vocab: Vocabulary): Intent {
  return intentFrom(analyze(raw, vocab));
}

const LABEL: Record<ChangeKind, string> = {
  config_push: 'push config',
  pause: 'pause',
  resume: 'resume',
  restart: 'restart',
  rotate_credentials: 'rotate credentials',
};

/** The intent of an analysed message. */
export function intentFrom(a: Analysis): Intent {
  const refusal = all(a, 'refuse')[0];
  if (refusal) return { type: 'refusal', reason: refusal.msg };
  const t = a.body.toLowerCase().trim();
  if (t === '' || /^(?:\?|help)$/.test(t)) return { type: 'read', action: 'help', understood: 'help' };
  if (has(a, 'negation')) return question("That sounds like something you do *not* want done, so I haven't proposed anything. What should happen instead?");

  const kinds = [...new Set(all(a, 'verb').map((v) => v.kind))];
  if (kinds.length > 1) {
    return question(
      `I read more than one action (${kinds.map((k) => LABEL[k]).join(', ')}). I can propose one change at a time: which one first?`,
      kinds.map((k) => LABEL[k]),
    );
  }
  const kind = kinds[0];
  const vague = all(a, 'vague')[0];
  if (vague) return question(vague.msg);
  if (!kind) return readOrUnknown(a);
  return proposal(a, kind);
}

function proposal(a: Analysis, kind: ChangeKind): Intent {
  if (has(a, 'request')) return question('A change request is not a target. Which agents should this change apply to?');
  const when = all(a, 'schedule')[0]?.word ?? (has(a, 'period') ? 'that time' : undefined);
  if (when !== undefined) {
    return question(
      `I can't schedule changes ("${when}"): a change is proposed now and runs as soon as it is approved. Should I propose it now? If so, send it ` +
        `again without the time.`,
    );
  }

  let params: Record<string, unknown> = {};
  if (kind === 'config_push') {
    const config = all(a, 'config')[0];
    if (!config)
      return (
        unknownWords(a, 'config') ??
        question(
          'Which config should I push?',
          a.vocab.configs.map((c) => c.name),
        )
      );
    if (config.badVersion !== undefined) {
      const entry = a.vocab.configs.find((c) => c.name === config.name)!;
      return question(
        `Config ${config.name} has no version ${config.badVersion}. Versions: ${entry.versions.join(', ')}.`,
        entry.versions.map((n) => `${config.name}@${n}`),
      );
    }
    params = config.version === undefined ? { config: config.name } : { config: config.name, version: config.version };
  }
  if (kind === 'rotate_credentials') params = { credential: all(a, 'cred').some((c) => c.certificate) ? 'certificate' : 'token' };

  const blocked = narrowingProblems(a);
  if (blocked) return blocked;
  const target = resolveTarget(a);
  if (target.type === 'question') return target;
  if (target.spec.selector === '' && a.tokens.some((t, i) => DETERMINERS.has(t.text) && a.roles[i]!.r === 'stop')) {
    return question('Which agents do you mean? I read the whole fleet, but "that/those" may point at agents from an earlier message, which I do not keep.');
  }
  return {
    type: 'proposal',
    kind,
    target: target.spec,
    params,
    understood: describeProposal(kind, target.spec, params),
    ...(a.reason ? { reason: a.reason } : {}),
  };
}

/** Words that narrow but could not be resolved exactly; each one is a question. */
function narrowingProblems(a: Analysis, reading = false): QuestionIntent | undefined {
  const unknown = unknownWords(a);
  if (unknown) return unknown;
  const pronoun = all(a, 'pronoun')[0];
  if (pronoun)
    return question(`Which agents do you mean by "${pronoun.word}"? I don't keep earlier messages, so please name them (service, environment, host or uids).`);
  const but = a.roles.findIndex((r) => r.r === 'but');
  if (but >= 0) {
    const edit = [{ index: but, replacement: 'except' }];
    return question('Does "but" mean *except* here? Please say "except" (or "and") so I do not guess.', undefined, retryFor(a, edit, true));
  }
  const env = all(a, 'envUnknown')[0];
  if (env) {
    const known = a.vocab.environments.map((e) => e.value);
    return question(`No agent reports the environment "${env.word}". Known environments: ${known.join(', ') || 'none'}.`, known);
  }
  const state = all(a, 'state')[0];
  if (state) return question(state.msg, undefined, retryFor(a, [{ index: a.roles.indexOf(state), replacement: 'unhealthy' }], /unhealthy/.test(state.msg)));
  const count = all(a, 'count')[0];
  if (count) {
    return question(
      reading
        ? `I'm not sure what "${count.word}" refers to. Ask e.g. "which agents are unhealthy in prod?" or "status of request 12".`
        : `I can't pick a subset of agents by number ("${count.word}"). Name them by service, environment, host or uid; a config push already goes to ` +
            `a canary first.`,
    );
  }
  return undefined;
}

/** A question about words that matched nothing, with "did you mean" rewrites when close matches exist. */
function unknownWords(a: Analysis, expect?: 'config'): QuestionIntent | undefined {
  const unknown = all(a, 'unknown');
  if (unknown.length === 0) return undefined;
  const parts: string[] = [];
  for (const u of unknown.slice(0, 3)) {
    const s = u.suggestions;
    if (s.length === 0) {
      const where = expect === 'config' ? 'a config' : positionWord(a, u);
      parts.push(`I don't know ${where} called "${u.word}".`);
    } else {
      parts.push(
        `I don't know "${u.word}". Did you mean ` +
          `${s.map((x) => `\`${x.value}\`${x.what === 'action' || x.what === 'health' ? '' : ` (${x.what})`}`).join(' or ')}?`,
      );
    }
  }
  if (expect === 'config') parts.push('Which config should I push?');
  else if (unknown.every((u) => u.suggestions.length === 0)) parts.push(knownList(a));
  const withSuggestions = unknown.filter((u) => u.suggestions.length > 0);
  const retry = withSuggestions.length === unknown.length ? rewrites(a, unknown) : [];
  const choices = expect === 'config' ? a.vocab.configs.map((c) => c.name) : [...new Set(unknown.flatMap((u) => u.suggestions.map((s) => s.value)))];
  return question(parts.join(' '), choices.length > 0 ? choices : undefined, retry);
}

function positionWord(a: Analysis, u: Of<'unknown'>): string {
  const i = a.roles.indexOf(u);
  const next = a.roles[i + 1];
  if (next?.r === 'filler') return 'a service';
  const prev = a.tokens[i - 1]?.text;
  if (prev === 'on' || prev === 'host') return 'a host';
  if (prev === 'in') return 'an environment or service';
  return 'a service, environment or host';
}

function knownList(a: Analysis): string {
  const list = (what: string, values: readonly string[]) =>
    values.length ? `${what}: ${values.slice(0, 15).join(', ')}${values.length > 15 ? ', …' : ''}.` : '';
  return [
    list(
      'Known services',
      a.vocab.services.map((s) => s.value),
    ),
    list(
      'Environments',
      a.vocab.environments.map((e) => e.value),
    ),
  ]
    .filter(Boolean)
    .join(' ');
}

/** One rewrite per candidate of the first unknown word (the others take their best candidate). */
function rewrites(a: Analysis, unknown: ReadonlyArray<Of<'unknown'>>): Retry[] {
  const [first, ...rest] = unknown;
  return first!.suggestions.slice(0, 5).map((s) => {
    const edits = [
      { start: first!.start, end: first!.end, text: s.value },
      ...rest.map((u) => ({ start: u.start, end: u.end, text: u.suggestions[0]!.value })),
    ];
    const text = applyEdits(a.body, edits) + a.tail;
    return { label: `Yes: ${text}`.slice(0, 75), text };
  });
}

function retryFor(a: Analysis, edits: ReadonlyArray<{ index: number; replacement: string }>, when: boolean): Retry[] | undefined {
  if (!when) return undefined;
  const text =
    applyEdits(
      a.body,
      edits.map((e) => ({ start: a.tokens[e.index]!.start, end: a.tokens[e.index]!.end, text: e.replacement })),
    ) + a.tail;
  return [{ label: `Yes: ${text}`.slice(0, 75), text }];
}

function applyEdits(body: string, edits: ReadonlyArray<{ start: number; end: number; text: string }>): string {
  let out = body;
  for (const e of [...edits].sort((x, y) => y.start - x.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** A message without an action verb: a read when it asks something, otherwise a question. */
function readOrUnknown(a: Analysis): Intent {
  const asks =
    has(a, 'read') ||
    has(a, 'requests') ||
    has(a, 'configs') ||
    has(a, 'help') ||
    has(a, 'request') ||
    has(a, 'period') ||
    a.roles.some((r) => r.r === 'punct' && r.ch === '?');
  if (!asks) {
    const guessable = all(a, 'unknown').some((u) => u.suggestions.length > 0);
    if (guessable) return unknownWords(a)!;
    return question(
      "I didn't recognise an action. I can propose: *push* a config, *pause*, *resume*, *restart* or *rotate credentials* — e.g. `pause the checkout " +
        'collectors in prod`.',
    );
  }
  return buildRead(a);
}

function buildRead(a: Analysis): Intent {
  if (has(a, 'help') && !has(a, 'value')) return read({ action: 'help' });
  const future = all(a, 'schedule')[0];
  if (future) return question(`I can only answer about now and the past ("${future.word}"). Ask e.g. "what changed today?".`);
  const blocked = narrowingProblems(a, true);
  if (blocked) return blocked;

  const requestId = all(a, 'request')[0]?.id;
  if (requestId !== undefined) return read({ action: 'show_request', id: requestId });
  const uids = all(a, 'uid').map((u) => u.uid);
  const targetRoles = a.roles.some((r) => r.r === 'value' || r.r === 'health' || r.r === 'clause' || r.r === 'exclude');
  if (uids.length === 1 && !targetRoles && !has(a, 'requests')) return read({ action: 'show_agent', id: uids[0] });

  const requests = all(a, 'requests');
  const period: Period | undefined = all(a, 'period')[0]?.period;
  if (requests.length > 0 || period !== undefined) {
    const target = resolveTarget(a, { allowEmpty: true });
    if (target.type === 'question') return target;
    if (target.spec.agents) return question('I can list change requests by service, environment or host, not by agent uid. Which do you mean?');
    const open = period === undefined && requests.some((r) => r.open);
    return read({
      action: 'list_requests',
      ...(target.spec.selector ? { target: target.spec } : {}),
      ...(open ? { open } : {}),
      ...(period ? { period } : {}),
    });
  }
  if (has(a, 'configs') && !targetRoles) return read({ action: 'list_configs' });

  const target = resolveTarget(a, { allowEmpty: true, ignoreHealth: healthIsTheQuestion(a) });
  if (target.type === 'question') return target;
  const connection = all(a, 'connection')[0];
  return read({ action: 'list_agents', target: target.spec, ...(connection ? { connected: connection.connected } : {}) });
}

function read(r: Omit<ReadIntent, 'type' | 'understood'>): ReadIntent {
  return { type: 'read', ...r, understood: describeRead(r) };
}

/** "is checkout healthy?" asks about health; "are any agents unhealthy?" filters by it. */
function healthIsTheQuestion(a: Analysis): boolean {
  const words = a.tokens.filter((t) => t.type === 'word').map((t) => t.text);
  if (!['is', 'are'].includes(words[0] ?? '') || ['there', 'any'].includes(words[1] ?? '')) return false;
  const lastContent = [...a.roles].reverse().find((r) => r.r !== 'punct' && r.r !== 'stop');
  return lastContent?.r === 'health';
}
