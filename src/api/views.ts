/**
 * @module JSON views of domain objects for the REST API (also used by MCP and Slack, so every
 * channel shows the same thing). Agent-supplied strings are returned as data fields only.
 */
import type { AgentRecord, ConfigFileView } from '../fleet/agent-state.js';
import type { JsonValue } from '../fleet/attributes.js';
import { agentCapabilityNames } from '../protocol/capabilities.js';

export interface AgentSummary {
  readonly uid: string;
  readonly connected: boolean;
  readonly transport: string | null;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly disconnectedAt: string | null;
  readonly identifyingAttributes: Record<string, JsonValue>;
  readonly nonIdentifyingAttributes: Record<string, JsonValue>;
  readonly capabilities: string[];
  /** The raw uint64 capability mask as a decimal string. */
  readonly capabilitiesMask: string;
  readonly healthy: boolean | null;
  readonly effectiveConfigHash: string | null;
  readonly remoteConfigStatus: AgentRecord['remoteConfigStatus'] | null;
  readonly customCapabilities: readonly string[];
}

export interface AgentDetail extends AgentSummary {
  readonly health: JsonValue;
  readonly effectiveConfig: Record<string, ConfigFileView> | null;
  readonly packageStatuses: JsonValue;
  readonly availableComponents: JsonValue;
  readonly connectionSettingsStatus: AgentRecord['connectionSettingsStatus'] | null;
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
const parse = (text: string | undefined): JsonValue => (text === undefined ? null : (JSON.parse(text) as JsonValue));

export function agentSummary(a: AgentRecord): AgentSummary {
  return {
    uid: a.uid,
    connected: a.connected,
    transport: a.transport ?? null,
    firstSeen: new Date(a.firstSeen).toISOString(),
    lastSeen: new Date(a.lastSeen).toISOString(),
    disconnectedAt: iso(a.disconnectedAt),
    identifyingAttributes: a.description?.identifying ?? {},
    nonIdentifyingAttributes: a.description?.nonIdentifying ?? {},
    capabilities: agentCapabilityNames(a.capabilities),
    capabilitiesMask: a.capabilities.toString(),
    healthy: a.healthy ?? null,
    effectiveConfigHash: a.effectiveConfigHash ?? null,
    remoteConfigStatus: a.remoteConfigStatus ?? null,
    customCapabilities: a.customCapabilities,
  };
}

export function agentDetail(a: AgentRecord): AgentDetail {
  return {
    ...agentSummary(a),
    health: parse(a.healthJson),
    effectiveConfig: a.effectiveConfigJson === undefined ? null : (JSON.parse(a.effectiveConfigJson) as Record<string, ConfigFileView>),
    packageStatuses: parse(a.packageStatusesJson),
    availableComponents: parse(a.availableComponentsJson),
    connectionSettingsStatus: a.connectionSettingsStatus ?? null,
  };
}
