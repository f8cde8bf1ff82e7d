/**
 * @module Whether a config is for the kind of agent it is pushed to: a Fluent Bit config offered
 * to OpenTelemetry Collectors (or the reverse) fails on every agent of the rollout, or worse, is
 * applied by an agent that merges configs. An agent's kind is read from the effective config it
 * reports (OpAMP spec, EffectiveConfig), else from its `service.name`; unknown agents never warn.
 */
import type { AgentRecord } from '../agent-state.js';
import { effectiveFiles } from './catalog.js';
import type { ConfigFiles } from './hash.js';
import { flavorOf, type ConfigFlavor } from './validate.js';

export type AgentKind = Extract<ConfigFlavor, 'otel-collector' | 'fluent-bit'>;

const RUNS: Record<AgentKind, string> = { 'otel-collector': 'an OpenTelemetry Collector', 'fluent-bit': 'Fluent Bit' };
const CONFIG: Record<AgentKind, string> = { 'otel-collector': 'an OpenTelemetry Collector config', 'fluent-bit': 'a Fluent Bit config' };

/** The kind of a config map: the first file ampgate recognises as a Collector or Fluent Bit config. */
export function configKind(files: ConfigFiles): AgentKind | undefined {
  for (const f of Object.values(files)) {
    const flavor = flavorOf(f.contentType, f.body);
    if (flavor === 'otel-collector' || flavor === 'fluent-bit') return flavor;
  }
  return undefined;
}

/** What an agent runs, from its effective config, else its service.name; undefined when unknown. */
export function agentKind(agent: Pick<AgentRecord, 'effectiveConfigJson' | 'attributes'>, cache?: Map<string, AgentKind | undefined>): AgentKind | undefined {
  const json = agent.effectiveConfigJson;
  if (json !== undefined) {
    let kind = cache?.get(json);
    if (kind === undefined && !cache?.has(json)) {
      const files = effectiveFiles(agent as AgentRecord);
      kind = files ? configKind(files) : undefined;
      cache?.set(json, kind);
    }
    if (kind) return kind;
  }
  const name = agent.attributes['service.name'];
  if (typeof name !== 'string') return undefined;
  if (/fluent-?bit/i.test(name)) return 'fluent-bit';
  if (/otelcol|opentelemetry[-._ ]?collector|otel[-._ ]?collector/i.test(name)) return 'otel-collector';
  return undefined;
}

/**
 * A plan warning when `files` is a config for one kind of agent and some targets run another, e.g.
 * "warning: gw v3 is a Fluent Bit config, but 3 of 3 target agents run an OpenTelemetry Collector
 * (0190…, …)". Undefined when the kinds agree or cannot be told.
 */
export function kindMismatch(
  label: string,
  files: ConfigFiles,
  agents: readonly Pick<AgentRecord, 'uid' | 'effectiveConfigJson' | 'attributes'>[],
): { warning: string; count: number } | undefined {
  const kind = configKind(files);
  if (!kind) return undefined;
  const cache = new Map<string, AgentKind | undefined>();
  const other: Record<AgentKind, string[]> = { 'otel-collector': [], 'fluent-bit': [] };
  for (const a of agents) {
    const k = agentKind(a, cache);
    if (k && k !== kind) other[k].push(a.uid);
  }
  const [otherKind, uids] = (Object.entries(other) as Array<[AgentKind, string[]]>).find(([, u]) => u.length > 0) ?? [];
  if (!otherKind || !uids) return undefined;
  const examples = `${uids.slice(0, 3).join(', ')}${uids.length > 3 ? ', …' : ''}`;
  return {
    warning:
      `warning: ${label} is ${CONFIG[kind]}, but ${uids.length} of ${agents.length} target agents run ${RUNS[otherKind]} (${examples}); they ` +
      `would most likely fail to apply it`,
    count: uids.length,
  };
}
