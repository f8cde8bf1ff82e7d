/**
 * @module Target resolution for change requests, shared by every executor: a TargetSpec (uid list
 * or attribute selector) becomes a sorted set of eligible agents plus the ineligible ones with a
 * reason (listed, never silently dropped), a label breakdown for the approval card, and the
 * canonical text of the target (src/changes/fingerprint.ts binds approvals to it).
 */
import type { IneligibleTarget, TargetSpec } from '../changes/types.js';
import { AmpgateError } from '../shared/errors.js';
import { isUuidText } from '../protocol/uid.js';
import type { AgentRecord } from './agent-state.js';
import { formatSelector, parseSelector, SelectorSyntaxError, setOwn } from './attributes.js';
import type { AgentRegistry } from './registry.js';
import { selectorHint } from './selector-hints.js';

/** Returns why an agent cannot take this change, or undefined when it can. */
export type Eligibility = (agent: AgentRecord) => string | undefined;

export interface ResolvedTargets {
  /** Eligible agents, sorted by uid. */
  readonly agents: readonly AgentRecord[];
  readonly ineligible: readonly IneligibleTarget[];
  /** Canonical text of the target spec ("agents:uid1,uid2" or "selector:a=1,b=2"). */
  readonly canonical: string;
}

/** Validates a TargetSpec's shape and returns its canonical text. */
export function canonicalTarget(target: TargetSpec): string {
  const hasAgents = target.agents !== undefined;
  const hasSelector = target.selector !== undefined;
  if (hasAgents === hasSelector) throw new AmpgateError('bad_request', 'target needs exactly one of "agents" (uid list) or "selector"');
  if (hasAgents) {
    const uids = [...new Set(target.agents!.map((u) => u.toLowerCase()))].sort();
    if (uids.length === 0) throw new AmpgateError('bad_request', 'target.agents is empty');
    const bad = uids.filter((u) => !isUuidText(u));
    if (bad.length > 0) throw new AmpgateError('bad_request', `target.agents has values that are not UUIDs: ${bad.slice(0, 5).join(', ')}`);
    return `agents:${uids.join(',')}`;
  }
  try {
    return `selector:${formatSelector(parseSelector(target.selector!))}`;
  } catch (err) {
    if (err instanceof SelectorSyntaxError) throw new AmpgateError('bad_request', err.message);
    throw err;
  }
}

/**
 * Resolves targets against the registry. Unknown uids are an error (422); a selector that matches
 * no agent at all is an error too, so nobody approves an empty change by accident, and the error
 * names the keys and values no agent has with their close matches (selector-hints.ts).
 */
export function resolveTargets(registry: AgentRegistry, target: TargetSpec, eligibility: Eligibility): ResolvedTargets {
  const canonical = canonicalTarget(target);
  let candidates: AgentRecord[];
  if (canonical.startsWith('agents:')) {
    const uids = canonical.slice('agents:'.length).split(',');
    const unknown = uids.filter((u) => registry.get(u) === undefined);
    if (unknown.length > 0) throw new AmpgateError('unprocessable', `unknown agents: ${unknown.slice(0, 10).join(', ')}`, { unknown });
    candidates = uids.map((u) => registry.get(u)!);
  } else {
    const clauses = parseSelector(target.selector!);
    candidates = registry.query({ selector: clauses });
    if (candidates.length === 0) {
      // Say why, with close matches, so a typo ("servce.name") is fixed instead of guessed at.
      const hint = selectorHint(registry.all(), clauses);
      throw new AmpgateError('unprocessable', `selector "${target.selector}" matches no known agent: ${hint.message}`, {
        problems: hint.problems,
        knownKeys: hint.knownKeys,
      });
    }
  }
  const agents: AgentRecord[] = [];
  const ineligible: IneligibleTarget[] = [];
  for (const a of candidates) {
    const reason = eligibility(a);
    if (reason === undefined) agents.push(a);
    else ineligible.push({ uid: a.uid, reason });
  }
  return { agents, ineligible, canonical };
}

/** Attributes shown in the label breakdown of an approval card. */
const BREAKDOWN_KEYS = ['service.name', 'deployment.environment', 'service.namespace', 'host.name', 'k8s.cluster.name'] as const;

/** attribute -> value -> count over `agents`; values beyond `maxValues` per key fold into "(other)". */
export function labelBreakdown(
  agents: readonly AgentRecord[],
  keys: readonly string[] = BREAKDOWN_KEYS,
  maxValues = 10,
): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const key of keys) {
    const counts = new Map<string, number>();
    for (const a of agents) {
      const v = a.attributes[key];
      if (v === undefined || v === null) continue;
      const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
      counts.set(text, (counts.get(text) ?? 0) + 1);
    }
    if (counts.size === 0) continue;
    const sorted = [...counts.entries()].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
    // Agent-supplied values are data: "__proto__" must become a key, not the bucket's prototype.
    const bucket: Record<string, number> = {};
    for (const [v, n] of sorted.slice(0, maxValues)) setOwn(bucket, v, n);
    const rest = sorted.slice(maxValues).reduce((s, [, n]) => s + n, 0);
    if (rest > 0) bucket['(other)'] = rest;
    setOwn(out, key, bucket);
  }
  return out;
}
