/**
 * @module Why a selector matches no agent, in words a person can act on: the attribute keys and
 * values no agent reports, each with its close matches ("servce.name" -> "service.name") and the
 * keys (or values) that do exist. Used wherever a selector comes back empty, so a proposal over
 * REST, the CLI, MCP or Slack and a fleet listing all explain it the same way.
 */
import { suggest } from '../shared/similar.js';
import type { AgentRecord } from './agent-state.js';
import { HEALTH_KEY, type JsonValue, type SelectorClause } from './attributes.js';

export interface ClauseProblem {
  /** The clause as written, e.g. `servce.name=checkout`. */
  readonly clause: string;
  readonly problem: 'unknown_key' | 'unknown_value' | 'no_health_report';
  /** Close matches among the known keys (unknown_key) or the key's known values (unknown_value). */
  readonly suggestions: readonly string[];
}

export interface SelectorHint {
  /** One paragraph: each problem with its close matches, then what exists. */
  readonly message: string;
  readonly problems: readonly ClauseProblem[];
  /** Every attribute key some agent reports, sorted (plus `healthy`). */
  readonly knownKeys: readonly string[];
}

/** How many known keys or values a message lists before "(+N more)". */
const LISTED = 15;
/** Distinct values remembered per key (enough for suggestions, bounded for huge fleets). */
const VALUES_PER_KEY = 5_000;

function text(v: JsonValue): string | undefined {
  if (v === null) return undefined;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function listed(items: readonly string[]): string {
  const shown = items
    .slice(0, LISTED)
    .map((k) => JSON.stringify(k))
    .join(', ');
  return items.length > LISTED ? `${shown} (+${items.length - LISTED} more)` : shown;
}

function didYouMean(suggestions: readonly string[]): string {
  return suggestions.length ? ` (did you mean ${suggestions.map((s) => JSON.stringify(s)).join(' or ')}?)` : '';
}

/**
 * Explains why `clauses` select no agent among `agents`. Only clauses that name something no agent
 * has are reported; when every clause matches some agent on its own, the message says that only
 * their combination is empty.
 */
export function selectorHint(agents: Iterable<Pick<AgentRecord, 'attributes' | 'healthy'>>, clauses: readonly SelectorClause[]): SelectorHint {
  const values = new Map<string, Set<string>>();
  let healthReported = false;
  for (const a of agents) {
    if (a.healthy !== undefined) healthReported = true;
    for (const [k, v] of Object.entries(a.attributes)) {
      let set = values.get(k);
      if (!set) values.set(k, (set = new Set()));
      const t = text(v);
      if (t !== undefined && set.size < VALUES_PER_KEY) set.add(t);
    }
  }
  const knownKeys = [...values.keys()].sort();
  const problems: ClauseProblem[] = [];
  const sentences: string[] = [];
  let listKeys = false;
  for (const c of clauses) {
    const clause = `${c.key}${c.negate ? '!=' : '='}${c.value}`;
    if (c.key === HEALTH_KEY) {
      if (!c.negate && !healthReported) {
        problems.push({ clause, problem: 'no_health_report', suggestions: [] });
        sentences.push(`no agent has reported its health yet, so "${clause}" matches none`);
      }
      continue;
    }
    const known = values.get(c.key);
    if (!known) {
      const suggestions = suggest(c.key, knownKeys, 3);
      problems.push({ clause, problem: 'unknown_key', suggestions });
      sentences.push(`no agent reports the attribute ${JSON.stringify(c.key)}${didYouMean(suggestions)}`);
      listKeys = true;
      continue;
    }
    if (!c.negate && !known.has(c.value)) {
      const all = [...known].sort();
      const suggestions = suggest(c.value, all, 3);
      problems.push({ clause, problem: 'unknown_value', suggestions });
      sentences.push(`no agent has ${c.key}=${JSON.stringify(c.value)}${didYouMean(suggestions)}; known values of ${c.key}: ${listed(all)}`);
    }
  }
  if (problems.length === 0) sentences.push('each clause matches some agent, but no agent matches all of them together');
  if (listKeys)
    sentences.push(`known attribute keys: ${knownKeys.length ? listed(knownKeys) : '(no agent reports any attribute)'}, and ${HEALTH_KEY}=true|false`);
  return { message: sentences.join('; '), problems, knownKeys: [...knownKeys, HEALTH_KEY] };
}
