/**
 * @module A target restated in plain words ("every agent except service payments", "unhealthy
 * agents with environment prod"), shown next to the exact selector wherever a change is proposed
 * or reviewed, so a reader never has to decode `!=` to see what an approval covers.
 */
import type { TargetSpec } from '../changes/types.js';
import { HEALTH_KEY, parseSelector, type SelectorClause } from './attributes.js';

const KEY_WORDS: Record<string, string> = {
  'service.name': 'service',
  'deployment.environment': 'environment',
  'deployment.environment.name': 'environment',
  'host.name': 'host',
};

function term(c: SelectorClause): string {
  return `${KEY_WORDS[c.key] ?? c.key} ${c.value}`;
}

function subject(health: readonly SelectorClause[]): string | undefined {
  if (health.length !== 1)
    return health.length === 0 ? undefined : `agents where ${health.map((c) => `${c.key}${c.negate ? '!=' : '='}${c.value}`).join(' and ')}`;
  const [h] = health;
  const wanted = h!.value === 'true';
  if (!h!.negate) return wanted ? 'healthy agents' : 'unhealthy agents';
  return wanted ? 'agents not reporting healthy' : 'agents not reporting unhealthy';
}

/** Plain words for a target spec. Never throws: an unreadable selector is shown as it is. */
export function describeTarget(target: TargetSpec): string {
  if (target.agents !== undefined) return `${target.agents.length} agent${target.agents.length === 1 ? '' : 's'} by uid`;
  let clauses: SelectorClause[];
  try {
    clauses = parseSelector(target.selector ?? '');
  } catch {
    return `agents where ${target.selector ?? ''}`;
  }
  if (clauses.length === 0) return 'every agent in the fleet';
  const health = clauses.filter((c) => c.key === HEALTH_KEY);
  const pos = clauses.filter((c) => c.key !== HEALTH_KEY && !c.negate).map(term);
  const neg = clauses.filter((c) => c.key !== HEALTH_KEY && c.negate).map(term);
  const who = subject(health);
  const head = pos.length > 0 ? `${who ?? 'agents'} with ${pos.join(', ')}` : (who ?? 'every agent');
  return neg.length > 0 ? `${head} except ${neg.join(' and ')}` : head;
}

/** The exact target text: the selector as given to the API, or the uid count. */
export function targetText(target: TargetSpec): string {
  if (target.agents !== undefined) return `${target.agents.length} uid(s)`;
  return target.selector === '' || target.selector === undefined ? 'all agents' : target.selector;
}
