/**
 * @module Builds the parser's vocabulary from what exists: attribute values reported by agents and
 * the config catalog. Only these values can be resolved from words.
 */
import type { AgentRecord } from '../fleet/agent-state.js';
import type { KnownValue, Vocabulary } from './types.js';

const SERVICE_KEYS = ['service.name'];
const ENV_KEYS = ['deployment.environment.name', 'deployment.environment'];
const HOST_KEYS = ['host.name'];

function collect(agents: Iterable<AgentRecord>, keys: readonly string[], limit: number): KnownValue[] {
  const seen = new Map<string, KnownValue>();
  for (const a of agents) {
    for (const key of keys) {
      const v = a.attributes[key];
      if (typeof v !== 'string' || v === '') continue;
      const id = `${key}=${v}`;
      if (!seen.has(id) && seen.size < limit) seen.set(id, { key, value: v });
    }
  }
  return [...seen.values()].sort((x, y) => (x.value < y.value ? -1 : x.value > y.value ? 1 : 0));
}

export function buildVocabulary(
  agents: Iterable<AgentRecord>,
  configs: ReadonlyArray<{ readonly name: string; readonly versions: readonly number[] }>,
): Vocabulary {
  const list = [...agents];
  return {
    services: collect(list, SERVICE_KEYS, 2_000),
    environments: collect(list, ENV_KEYS, 200),
    hosts: collect(list, HOST_KEYS, 10_000),
    configs,
  };
}
