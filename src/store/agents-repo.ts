/**
 * @module Persistence of agent records. The registry batches writes: `saveMany` upserts dirty
 * records in one transaction; `touchMany` writes liveness only.
 */
import { componentDetailsMissing, type AgentRecord } from '../fleet/agent-state.js';
import type { Db } from './db.js';

interface AgentRow {
  uid: string;
  first_seen: number;
  last_seen: number;
  transport: string | null;
  capabilities: string;
  description: string | null;
  health: string | null;
  effective_config: string | null;
  effective_config_hash: string | null;
  remote_config_status: string | null;
  package_statuses: string | null;
  available_components: string | null;
  custom_capabilities: string | null;
  connection_settings_status: string | null;
  disconnected_at: number | null;
}

const json = <T>(text: string | null): T | undefined => (text === null ? undefined : (JSON.parse(text) as T));

export class AgentsRepo {
  readonly #upsert;
  readonly #touch;
  readonly #delete;
  readonly #all;
  readonly #polledSince;
  readonly #saveMany;
  readonly #touchMany;

  constructor(private readonly db: Db) {
    this.#upsert = db.prepare(`
      INSERT INTO agents (uid, first_seen, last_seen, transport, capabilities, description, health,
        effective_config, effective_config_hash, remote_config_status, package_statuses,
        available_components, custom_capabilities, connection_settings_status, disconnected_at)
      VALUES (@uid, @first_seen, @last_seen, @transport, @capabilities, @description, @health,
        @effective_config, @effective_config_hash, @remote_config_status, @package_statuses,
        @available_components, @custom_capabilities, @connection_settings_status, @disconnected_at)
      ON CONFLICT(uid) DO UPDATE SET
        last_seen = excluded.last_seen, transport = excluded.transport,
        capabilities = excluded.capabilities, description = excluded.description,
        health = excluded.health, effective_config = excluded.effective_config,
        effective_config_hash = excluded.effective_config_hash,
        remote_config_status = excluded.remote_config_status,
        package_statuses = excluded.package_statuses,
        available_components = excluded.available_components,
        custom_capabilities = excluded.custom_capabilities,
        connection_settings_status = excluded.connection_settings_status,
        disconnected_at = excluded.disconnected_at`);
    this.#touch = db.prepare('UPDATE agents SET last_seen = ?, transport = ?, disconnected_at = ? WHERE uid = ?');
    this.#delete = db.prepare('DELETE FROM agents WHERE uid = ?');
    this.#all = db.prepare('SELECT * FROM agents');
    this.#polledSince = db.prepare("SELECT uid FROM agents WHERE transport = 'http' AND disconnected_at IS NULL AND last_seen >= ?");
    this.#saveMany = db.transaction((recs: readonly AgentRecord[]) => {
      for (const r of recs) this.#upsert.run(toRow(r));
    });
    this.#touchMany = db.transaction((recs: readonly AgentRecord[]) => {
      for (const r of recs) this.#touch.run(r.lastSeen, r.transport ?? null, r.disconnectedAt ?? null, r.uid);
    });
  }

  loadAll(): AgentRecord[] {
    return (this.#all.all() as AgentRow[]).map(fromRow);
  }

  /** HTTP agents that polled at or after `sinceMs` and were not recorded as disconnected since. */
  httpPolledSince(sinceMs: number): string[] {
    return (this.#polledSince.all(sinceMs) as Array<{ uid: string }>).map((r) => r.uid);
  }

  saveMany(recs: readonly AgentRecord[]): void {
    if (recs.length > 0) this.#saveMany(recs);
  }

  touchMany(recs: readonly AgentRecord[]): void {
    if (recs.length > 0) this.#touchMany(recs);
  }

  delete(uid: string): void {
    this.#delete.run(uid);
  }
}

function toRow(r: AgentRecord): AgentRow {
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

function fromRow(row: AgentRow): AgentRecord {
  const description = json<AgentRecord['description']>(row.description);
  const health = json<{ healthy?: boolean }>(row.health);
  return {
    uid: row.uid,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    transport: (row.transport ?? undefined) as AgentRecord['transport'],
    connected: false, // nothing is connected when the process starts
    disconnectedAt: row.disconnected_at ?? row.last_seen,
    capabilities: BigInt(row.capabilities),
    description,
    attributes: description ? { ...description.nonIdentifying, ...description.identifying } : {},
    healthJson: row.health ?? undefined,
    healthy: health?.healthy,
    effectiveConfigJson: row.effective_config ?? undefined,
    effectiveConfigHash: row.effective_config_hash ?? undefined,
    remoteConfigStatus: json(row.remote_config_status),
    packageStatusesJson: row.package_statuses ?? undefined,
    availableComponentsJson: row.available_components ?? undefined,
    componentDetailsMissing: componentDetailsMissing(row.available_components ?? undefined),
    customCapabilities: json<string[]>(row.custom_capabilities) ?? [],
    connectionSettingsStatus: json(row.connection_settings_status),
  };
}
