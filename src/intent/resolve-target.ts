/**
 * @module The target an analysed message names, built only from words that resolved exactly:
 * values of the live vocabulary, exclusions (`key!=value`), health (`healthy=true|false`), typed
 * clauses and uids. When the words do not pin down one selector (two services, an exclusion whose
 * scope is unclear, a contradiction) the answer is a question, never the widest reading.
 */
import type { TargetSpec } from '../changes/types.js';
import { HEALTH_KEY, parseSelector, SelectorSyntaxError, type SelectorClause } from '../fleet/attributes.js';
import { describeTarget } from '../fleet/target-words.js';
import type { Analysis, Group, Role } from './analyze.js';
import type { QuestionIntent } from './types.js';

export interface ResolvedTarget {
  readonly type: 'target';
  readonly spec: TargetSpec;
  readonly describe: string;
}

type ItemGroup = Group | 'health' | 'clause';
interface Item {
  readonly clause: SelectorClause;
  readonly group: ItemGroup;
  readonly word: string;
  readonly scope: number | undefined;
}

function ask(question: string, choices?: readonly string[]): QuestionIntent {
  return choices && choices.length > 0 ? { type: 'question', question, choices } : { type: 'question', question };
}

const GROUP_WORD: Record<ItemGroup, string> = { service: 'service', environment: 'environment', host: 'host', health: 'health state', clause: 'selector' };

export interface TargetOptions {
  /** Reads may name no agents at all ("list agents"); proposals need a target or a fleet word. */
  readonly allowEmpty?: boolean;
  /** "is checkout healthy?": the health word is the question, not a filter. */
  readonly ignoreHealth?: boolean;
}

/** The exact target the words name, or the question that makes it exact. */
export function resolveTarget(a: Analysis, opts: TargetOptions = {}): ResolvedTarget | QuestionIntent {
  const items: Item[] = [];
  const uids: string[] = [];
  let fleet = false;
  let scope: number | undefined;
  let scopes = 0;
  let comma = false;
  const scopeGroups = new Map<number, Set<ItemGroup>>();
  const add = (clause: SelectorClause, group: ItemGroup, word: string, negatable: boolean) => {
    let s = scope;
    if (s !== undefined && comma && !scopeGroups.get(s)!.has(group) && scopeGroups.get(s)!.size > 0) s = scope = undefined;
    comma = false;
    const negate = negatable && s !== undefined ? !clause.negate : clause.negate;
    items.push({ clause: { ...clause, negate }, group, word, scope: s });
    if (s !== undefined) scopeGroups.get(s)!.add(group);
  };

  for (let i = 0; i < a.roles.length; i++) {
    const role: Role = a.roles[i]!;
    switch (role.r) {
      case 'exclude':
        if (a.roles[i - 1]?.r === 'exclude') break; // one phrase ("but not", "other than")
        scope = ++scopes;
        scopeGroups.set(scope, new Set());
        comma = false;
        break;
      case 'punct':
        if (role.ch === ',' || role.ch === ';') comma = true;
        else scope = undefined;
        break;
      case 'verb':
        scope = undefined;
        break;
      case 'fleet':
        fleet = true;
        break;
      case 'uid':
        uids.push(role.uid);
        break;
      case 'value': {
        if (role.kvs.length > 1) {
          const options = role.kvs.map((kv) => `${kv.key}=${kv.value}`);
          return ask(`"${role.word}" is more than one thing in the fleet: ${options.map((o) => `\`${o}\``).join(' or ')}. Which one?`, options);
        }
        const kv = role.kvs[0]!;
        add({ key: kv.key, value: kv.value, negate: role.negate }, kv.group, role.word, true);
        break;
      }
      case 'health':
        if (!opts.ignoreHealth) add({ key: HEALTH_KEY, value: String(role.healthy), negate: false }, 'health', role.healthy ? 'healthy' : 'unhealthy', true);
        break;
      case 'clause': {
        if (scope !== undefined) return ask(`I can't combine "except" with a typed selector. Write the exclusion as \`key!=value\` instead.`);
        let clauses: SelectorClause[];
        try {
          clauses = parseSelector(role.text);
        } catch (err) {
          if (err instanceof SelectorSyntaxError) return ask(`I could not read the selector \`${role.text}\`: ${err.message}`);
          throw err;
        }
        for (const c of clauses) add(c, 'clause', role.text, false);
        break;
      }
      default:
        break;
    }
  }

  for (const [s, groups] of scopeGroups) {
    const inScope = items.filter((it) => it.scope === s);
    if (groups.size === 0)
      return ask('I read an exclusion ("except", "not", "without", ...) but not what to leave out. Which service, environment or host should be left out?');
    if (groups.size > 1) {
      const words = inScope.map((it) => it.word).join(' ');
      return ask(
        `Which do you mean by "except ${words}"? A selector can leave out each of them ` +
          `(${inScope.map((it) => `\`${fmt(it.clause)}\``).join(' and ')}), but not only the combination. Please say it as "… in <environment> except ` +
          `<service>" or name the exclusions one by one.`,
      );
    }
  }

  if (uids.length > 0) {
    if (items.length > 0 || fleet) return ask('I can target agents by uid or by attributes, not both at once. Which one?');
    return { type: 'target', spec: { agents: [...new Set(uids)] }, describe: `${uids.length} agent${uids.length > 1 ? 's' : ''} by uid` };
  }

  const positives = items.filter((it) => !it.clause.negate && it.group !== 'clause');
  for (const group of ['environment', 'service', 'host', 'health'] as const) {
    const values = [...new Set(positives.filter((it) => it.group === group).map((it) => it.clause.value))];
    if (values.length > 1) {
      return ask(`I can target one ${GROUP_WORD[group]} at a time: ${values.join(' or ')}?`, values);
    }
  }
  const seen = new Map<string, SelectorClause>();
  for (const it of items) {
    const id = `${it.clause.key}=${it.clause.value}`;
    const other = seen.get(id);
    if (other && other.negate !== it.clause.negate)
      return ask(`You named ${it.clause.key} ${it.clause.value} both as a target and as an exclusion. Which is it?`);
    seen.set(id, it.clause);
  }

  const order: ItemGroup[] = ['clause', 'service', 'environment', 'host', 'health'];
  const sorted = [
    ...items.filter((it) => it.group === 'clause'),
    ...order.slice(1).flatMap((g) => positives.filter((it) => it.group === g)),
    ...items.filter((it) => it.clause.negate && it.group !== 'clause'),
  ];
  const clauses = dedupe(sorted.map((it) => it.clause));
  if (clauses.length === 0) {
    if (fleet || opts.allowEmpty) return { type: 'target', spec: { selector: '' }, describe: describeTarget({ selector: '' }) };
    const known = [...a.vocab.services.map((s) => s.value), ...a.vocab.environments.map((e) => e.value)];
    return ask('Which agents? Name a service, an environment, a host or agent uids — or say "all agents".', known);
  }
  const selector = clauses.map(fmt).join(',');
  return { type: 'target', spec: { selector }, describe: describeTarget({ selector }) };
}

function fmt(c: SelectorClause): string {
  return `${c.key}${c.negate ? '!=' : '='}${c.value}`;
}

function dedupe(clauses: readonly SelectorClause[]): SelectorClause[] {
  const out: SelectorClause[] = [];
  for (const c of clauses) if (!out.some((o) => fmt(o) === fmt(c))) out.push(c);
  return out;
}
