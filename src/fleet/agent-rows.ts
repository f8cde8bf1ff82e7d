/** @module Maps AgentRecord to the stored AgentRow and back (the store knows rows only). */
import type { AgentLiveness, AgentRow } from '../store/ports/agents.js';
import { componentDetailsMissing, unionAttributes, type AgentRecord } from './agent-state.js';

const json = <T>(text: string | null): T | undefined => (text === null ? undefined : (JSON.parse(text) as T));

export function agentToRow(r: AgentRecord): AgentRow {
  return {
    uid: r.uid,
    first_seen: r.firstSeen,
    last_seen: r.lastSeen,
    transport: r.transport ?? null,
    capabilities: r.capabilities.toString(),
    description: r.description ? JSON.stringify(r.description) : null,
    health: r.healthJson ?? null,
    effective_config: r.effectiveConfigJson ?? null,
    effective_config_hash: r.effectiveConfigHash ?? null,
    remote_config_status: r.remoteConfigStatus ? JSON.stringify(r.remoteConfigStatus) : null,
    package_statuses: r.packageStatusesJson ?? null,
    available_components: r.availableComponentsJson ?? null,
    custom_capabilities: r.customCapabilities.length > 0 ? JSON.stringify(r.customCapabilities) : null,
    connection_settings_status: r.connectionSettingsStatus ? JSON.stringify(r.connectionSettingsStatus) : null,
    disconnected_at: r.disconnectedAt ?? null,
  };
}

export function agentLiveness(r: AgentRecord): AgentLiveness {
  return { uid: r.uid, last_seen: r.lastSeen, transport: r.transport ?? null, disconnected_at: r.disconnectedAt ?? null };
}

/**
 * `healthy` of the stored health JSON. The record writes it first (healthToJson), so the usual row
 * needs no parse of the whole document when 19,000 agents load at start-up; anything else is parsed.
 */
function healthyOf(text: string | null): boolean | undefined {
  if (text === null) return undefined;
  if (text.startsWith('{"healthy":true,')) return true;
  if (text.startsWith('{"healthy":false,')) return false;
  return json<{ healthy?: boolean }>(text)?.healthy;
}

export function agentFromRow(row: AgentRow): AgentRecord {
  const description = json<AgentRecord['description']>(row.description);
  return {
    uid: row.uid,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    transport: (row.transport ?? undefined) as AgentRecord['transport'],
    connected: false, // nothing is connected when the process starts
    disconnectedAt: row.disconnected_at ?? row.last_seen,
    capabilities: BigInt(row.capabilities),
    description,
    attributes: description ? unionAttributes(description) : {},
    healthJson: row.health ?? undefined,
    healthy: healthyOf(row.health),
    effectiveConfigJson: row.effective_config ?? undefined,
    effectiveConfigHash: row.effective_config_hash ?? undefined,
    remoteConfigStatus: json(row.remote_config_status),
    packageStatusesJson: row.package_statuses ?? undefined,
    availableComponentsJson: row.available_components ?? undefined,
    componentDetailsMissing: componentDetailsMissing(row.available_components ?? undefined),
    customCapabilities: json<string[]>(row.custom_capabilities) ?? [],
    connectionSettingsStatus: json(row.connection_settings_status),
    descriptionDigest: undefined,
    effectiveConfigDigest: undefined,
  };
}
