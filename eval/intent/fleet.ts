/**
 * The fleet the intent evaluation runs against: 15 agents over 7 services, 3 environments and 5
 * hosts, some unhealthy and one that never reported health, plus a small config catalog. Labels
 * in cases.ts are written against this fleet; the scorer resolves selectors on it to tell a wider
 * proposal from a narrower one.
 */
import { matchesSelector, parseSelector } from '../../src/fleet/attributes.js';
import { newAgentRecord, type AgentRecord } from '../../src/fleet/agent-state.js';
import { buildVocabulary } from '../../src/intent/vocabulary.js';
import type { Vocabulary } from '../../src/intent/types.js';

export const uid = (n: number) => `0190f3c4-8a6b-7c2e-9d1a-${n.toString().padStart(12, '0')}`;

const ROWS: ReadonlyArray<readonly [service: string, env: string, host: string, healthy: boolean | undefined]> = [
  ['checkout', 'prod', 'node-1', true],
  ['checkout', 'prod', 'node-2', false],
  ['checkout', 'staging', 'node-3', true],
  ['checkout-v2', 'prod', 'node-1', true],
  ['payments', 'prod', 'node-2', true],
  ['payments', 'prod', 'node-3', false],
  ['payments', 'staging', 'node-4', true],
  ['frontend', 'prod', 'node-1', true],
  ['frontend', 'staging', 'node-4', undefined],
  ['frontend', 'dev', 'node-4', true],
  ['otel-gateway', 'prod', 'ip-10-0-1-17', true],
  ['otel-gateway', 'staging', 'node-3', false],
  ['cart', 'dev', 'node-2', true],
  ['search', 'prod', 'node-3', true],
  ['search', 'staging', 'ip-10-0-1-17', false],
];

export const FLEET: readonly AgentRecord[] = ROWS.map(([service, env, host, healthy], i) => {
  const rec = newAgentRecord(uid(i + 1), 0);
  rec.attributes = { 'service.name': service, 'deployment.environment': env, 'host.name': host, 'os.type': 'linux' };
  rec.healthy = healthy;
  return rec;
});

export const CONFIGS = [
  { name: 'otel-gateway', versions: [1, 2, 3, 4] },
  { name: 'fluentbit-v3', versions: [1] },
  { name: 'checkout-pipeline', versions: [1, 2] },
] as const;

export const VOCABULARY: Vocabulary = buildVocabulary(FLEET, CONFIGS);

/** The uids a target selects in the evaluation fleet. */
export function agentsOf(target: { selector?: string; agents?: readonly string[] } | undefined): Set<string> {
  if (!target) return new Set(FLEET.map((a) => a.uid));
  if (target.agents) return new Set(target.agents);
  const clauses = parseSelector(target.selector ?? '');
  return new Set(FLEET.filter((a) => matchesSelector(clauses, a.attributes, a.healthy)).map((a) => a.uid));
}
