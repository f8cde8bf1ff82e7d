/**
 * @module The one contract both parsers are held to. An intent must fit `IntentSchema`; every
 * attribute value in its target must exist in the live vocabulary; and its target must be exactly
 * what the words of the message resolve to (analyze.ts, resolve-target.ts). A model may only add
 * what the offline reading could not: the meaning of an unrecognised verb at the start of the
 * message ("quiet down checkout in prod"). Any answer that is wider than, narrower than or
 * different from the resolved reading is rejected, and the offline answer (exact, or a question)
 * is used instead.
 */
import { z } from 'zod';
import type { TargetSpec } from '../changes/types.js';
import { CHANGE_KINDS } from '../changes/types.js';
import { formatSelector, HEALTH_KEY, parseSelector, type SelectorClause } from '../fleet/attributes.js';
import type { Analysis, Role } from './analyze.js';
import { intentFrom } from './parser.js';
import { resolveTarget } from './resolve-target.js';
import { PERIODS, type Intent, type ReadIntent, type Vocabulary } from './types.js';

const Target = z.union([z.object({ selector: z.string().max(500) }).strict(), z.object({ agents: z.array(z.string().uuid()).min(1).max(500) }).strict()]);

/** The shape of every intent, whichever parser produced it. There is no "approve" intent. */
export const IntentSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('proposal'),
    kind: z.enum(CHANGE_KINDS),
    target: Target,
    params: z
      .object({
        config: z.string().max(200).optional(),
        version: z.number().int().positive().optional(),
        credential: z.enum(['token', 'certificate']).optional(),
      })
      .strict()
      .default({}),
    reason: z.string().max(500).optional(),
    understood: z.string().min(1).max(300),
  }),
  z.object({
    type: z.literal('read'),
    action: z.enum(['list_agents', 'show_agent', 'list_configs', 'list_requests', 'show_request', 'help']),
    target: Target.optional(),
    id: z.string().max(100).optional(),
    connected: z.boolean().optional(),
    open: z.boolean().optional(),
    period: z.enum(PERIODS).optional(),
    understood: z.string().min(1).max(300),
  }),
  z.object({ type: z.literal('question'), question: z.string().min(1).max(500), choices: z.array(z.string().max(100)).max(50).optional() }),
  z.object({ type: z.literal('refusal'), reason: z.string().min(1).max(500) }),
]);

const KNOWN_KEYS = ['service.name', 'deployment.environment', 'deployment.environment.name', 'host.name'];

/** Rejects intents that name configs, versions or attribute values the fleet does not have. */
function checkAgainstVocabulary(intent: Intent, vocab: Vocabulary): Intent {
  if (intent.type === 'question' || intent.type === 'refusal') return intent;
  const selector = intent.target && 'selector' in intent.target ? intent.target.selector : undefined;
  if (selector !== undefined) {
    let clauses;
    try {
      clauses = parseSelector(selector);
    } catch (err) {
      return { type: 'question', question: `I could not read the target "${selector}": ${(err as Error).message}` };
    }
    const known = [...vocab.services, ...vocab.environments, ...vocab.hosts];
    for (const c of clauses) {
      if (KNOWN_KEYS.includes(c.key) && !known.some((k) => k.key === c.key && k.value === c.value)) {
        return {
          type: 'question',
          question: `No agent reports ${c.key}=${c.value}. Which agents did you mean?`,
          choices: known.filter((k) => k.key === c.key).map((k) => k.value),
        };
      }
    }
  }
  if (intent.type === 'proposal' && intent.kind === 'config_push') {
    const name = intent.params.config;
    const entry = vocab.configs.find((c) => c.name === name);
    if (!entry) return { type: 'question', question: `Which config should I push?`, choices: vocab.configs.map((c) => c.name) };
    const version = intent.params.version;
    if (version !== undefined && !entry.versions.includes(version as number)) {
      return { type: 'question', question: `Config ${entry.name} has no version ${String(version)}. Versions: ${entry.versions.join(', ')}.` };
    }
  }
  return intent;
}

/** Canonical text of a target (sorted clauses or uids); undefined when unreadable. */
export function canonical(target: TargetSpec | undefined): string | undefined {
  if (!target) return 'selector:';
  if (target.agents) return `agents:${[...new Set(target.agents.map((u) => u.toLowerCase()))].sort().join(',')}`;
  try {
    return `selector:${formatSelector(parseSelector(target.selector ?? ''))}`;
  } catch {
    return undefined;
  }
}

function clauses(target: TargetSpec | undefined): SelectorClause[] | undefined {
  if (!target || target.agents) return undefined;
  try {
    return parseSelector(target.selector ?? '');
  } catch {
    return undefined;
  }
}

/** How `got` relates to `want` as sets of selector constraints: fewer constraints select more agents. */
export function compareTargets(got: TargetSpec | undefined, want: TargetSpec | undefined): 'exact' | 'wider' | 'narrower' | 'different' {
  if (canonical(got) === canonical(want)) return 'exact';
  const g = clauses(got)?.map((c) => formatSelector([c]));
  const w = clauses(want)?.map((c) => formatSelector([c]));
  if (!g || !w) return 'different';
  if (g.every((c) => w.includes(c))) return 'wider';
  if (w.every((c) => g.includes(c))) return 'narrower';
  return 'different';
}

function sameRead(x: ReadIntent, y: ReadIntent): boolean {
  return (
    x.action === y.action &&
    canonical(x.target) === canonical(y.target) &&
    (x.id ?? '') === (y.id ?? '') &&
    (x.period ?? '') === (y.period ?? '') &&
    Boolean(x.open) === Boolean(y.open) &&
    x.connected === y.connected
  );
}

const LEADING_BLOCKERS = new Set<Role['r']>(['verb', 'vague', 'refuse', 'negation', 'schedule', 'count', 'state', 'envUnknown']);

/**
 * The analysis with an unrecognised leading verb phrase set aside, when that is the only thing
 * the offline parser did not understand; undefined otherwise.
 */
function withoutLeadingVerb(a: Analysis): Analysis | undefined {
  if (a.roles.some((r) => LEADING_BLOCKERS.has(r.r))) return undefined;
  const unknown = a.roles.flatMap((r, i) => (r.r === 'unknown' ? [i] : []));
  if (unknown.length === 0) return undefined;
  const firstContent = a.roles.findIndex((r) => r.r !== 'unknown' && r.r !== 'stop' && r.r !== 'punct');
  const leading = unknown.every((i) => (firstContent === -1 || i < firstContent) && (a.roles[i] as Extract<Role, { r: 'unknown' }>).suggestions.length === 0);
  if (!leading) return undefined;
  return { ...a, roles: a.roles.map((r) => (r.r === 'unknown' ? { r: 'stop' } : r)) };
}

export interface Reconciled {
  readonly intent: Intent;
  /** Why the model's answer was not used, when it was not. */
  readonly rejected?: string;
}

/**
 * Holds a model's (schema-valid) intent to the offline reading of the same message. The offline
 * answer is exact or a question by construction, so it is the fallback for every rejection.
 */
export function reconcile(model: Intent, a: Analysis): Reconciled {
  const offline = intentFrom(a);
  if (offline.type === 'refusal')
    return { intent: offline, ...(model.type !== 'refusal' ? { rejected: 'the message is refused whatever the model says' } : {}) };
  if (model.type === 'refusal') return { intent: model };
  if (model.type === 'question') return { intent: offline.type === 'question' && offline.retry ? offline : model };

  const vocabChecked = checkAgainstVocabulary(model, a.vocab);
  if (vocabChecked !== model) return { intent: vocabChecked, rejected: 'the model named something the fleet does not have' };

  const reading = offline.type === 'question' ? withoutLeadingVerb(a) : undefined;
  if (model.type === 'read') {
    const reference = reading ? intentFrom(reading) : offline;
    if (reference.type === 'read' && sameRead(model, reference)) return { intent: model };
    if (
      reading &&
      reference.type === 'question' &&
      model.action === 'list_agents' &&
      sameTarget(model.target ?? { selector: '' }, resolveTarget(reading, { allowEmpty: true }))
    ) {
      return { intent: model };
    }
    return { intent: offline, rejected: `the model's read (${model.action} ${canonical(model.target) ?? '?'}) is not what the message asks` };
  }

  // A proposal.
  if (offline.type === 'proposal') {
    if (model.kind === offline.kind && canonical(model.target) === canonical(offline.target) && sameParams(model.params, offline.params))
      return { intent: model };
    return { intent: offline, rejected: describeMismatch(model, offline.kind, offline.target, offline.params) };
  }
  const actionable =
    reading && !reading.roles.some((r) => READ_ONLY.has(r.r)) && ['pause', 'resume', 'restart'].includes(model.kind) && Object.keys(model.params).length === 0;
  if (actionable) {
    const target = resolveTarget(reading, {});
    if (sameTarget(model.target, target)) return { intent: model };
    return { intent: offline, rejected: describeMismatch(model, model.kind, target.type === 'target' ? target.spec : undefined, model.params) };
  }
  return { intent: offline, rejected: 'the message is not an exact request for this change (the offline reading asks a question)' };
}

/** Roles that make a message a read; a model may not turn them into a change. */
const READ_ONLY = new Set<Role['r']>(['read', 'requests', 'request', 'configs', 'help', 'period', 'connection']);

function sameTarget(model: TargetSpec, resolved: ReturnType<typeof resolveTarget>): boolean {
  return resolved.type === 'target' && canonical(model) === canonical(resolved.spec);
}

function sameParams(x: Record<string, unknown>, y: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  return [...keys].every((k) => x[k] === y[k]);
}

function describeMismatch(model: Extract<Intent, { type: 'proposal' }>, kind: string, target: TargetSpec | undefined, params: Record<string, unknown>): string {
  if (model.kind !== kind) return `the model proposed ${model.kind}, the message asks for ${kind}`;
  if (!sameParams(model.params, params)) return `the model's parameters ${JSON.stringify(model.params)} differ from ${JSON.stringify(params)}`;
  const how = compareTargets(model.target, target);
  const health = clauses(model.target)?.some((c) => c.key === HEALTH_KEY) ? ' (health filter)' : '';
  return `the model's target ${canonical(model.target) ?? '?'} is ${how} than the message's ${canonical(target) ?? '(none)'}${health}`.replace(
    'different than',
    'different from',
  );
}
