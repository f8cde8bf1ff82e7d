/**
 * @module Filtering of the fleet for lists (the console and GET /api/agents): an attribute
 * selector plus connected, health, config-sync and free-text filters, evaluated over the
 * in-memory registry in one pass. Paging is done by the caller on the sorted result.
 */
import type { AttemptRow } from '../store/ports/remote-config.js';
import type { AgentRecord } from './agent-state.js';
import type { SelectorClause } from './attributes.js';
import type { AgentRegistry } from './registry.js';

/**
 * Whether an agent runs the config ampgate wants it to run: `unmanaged` when no config was ever
 * assigned to it, `in_sync` when it reported the desired hash as APPLIED, `out_of_sync` otherwise
 * (offered, applying, failed, or not reported yet).
 */
export type ConfigSync = 'in_sync' | 'out_of_sync' | 'unmanaged';

export function configSyncOf(agent: Pick<AgentRecord, 'remoteConfigStatus'>, desired: Pick<AttemptRow, 'hash'> | undefined): ConfigSync {
  if (!desired) return 'unmanaged';
  return agent.remoteConfigStatus?.hash === desired.hash && agent.remoteConfigStatus.status === 'APPLIED' ? 'in_sync' : 'out_of_sync';
}

export interface FleetFilter {
  readonly selector?: readonly SelectorClause[];
  readonly connected?: boolean;
  /** `unknown`: the agent never reported health. */
  readonly health?: 'healthy' | 'unhealthy' | 'unknown';
  readonly configSync?: ConfigSync;
  /** Case-insensitive substring of the uid or of any attribute value. */
  readonly text?: string;
}

/** Agents matching every given filter, sorted by uid (stable paging). */
export function filterFleet(registry: AgentRegistry, f: FleetFilter, syncOf: (agent: AgentRecord) => ConfigSync): AgentRecord[] {
  const candidates = registry.query({ selector: f.selector, connected: f.connected });
  const text = f.text?.trim().toLowerCase();
  if (f.health === undefined && f.configSync === undefined && !text) return candidates;
  return candidates.filter((a) => {
    if (f.health !== undefined && healthOf(a) !== f.health) return false;
    if (f.configSync !== undefined && syncOf(a) !== f.configSync) return false;
    if (text && !matchesText(a, text)) return false;
    return true;
  });
}

function healthOf(a: AgentRecord): NonNullable<FleetFilter['health']> {
  return a.healthy === undefined ? 'unknown' : a.healthy ? 'healthy' : 'unhealthy';
}

function matchesText(a: AgentRecord, text: string): boolean {
  if (a.uid.includes(text)) return true;
  for (const v of Object.values(a.attributes)) {
    if (v === null) continue;
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    if (s.toLowerCase().includes(text)) return true;
  }
  return false;
}

/** Counts for the console's summary bar, in one pass over the registry. */
export function fleetCounts(registry: AgentRegistry, syncOf: (agent: AgentRecord) => ConfigSync) {
  let connected = 0;
  let unhealthy = 0;
  let outOfSync = 0;
  for (const a of registry.all()) {
    if (a.connected) connected++;
    if (a.healthy === false) unhealthy++;
    if (syncOf(a) === 'out_of_sync') outOfSync++;
  }
  return { known: registry.size, connected, unhealthy, outOfSync };
}
