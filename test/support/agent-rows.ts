/** Stored agent rows for the store's tests (SQLite beside the repository, PostgreSQL under test/replicas). */
import { createHash } from 'node:crypto';
import type { AgentRow } from '../../src/store/ports/agents.js';

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A row with this effective config, hashed as the registry hashes it unless `hash` says otherwise. */
export function agentRow(uid: string, config: string | null, hash: string | null = config === null ? null : sha256(config)): AgentRow {
  return {
    uid,
    first_seen: 1,
    last_seen: 2,
    transport: 'ws',
    capabilities: '7',
    description: JSON.stringify({ identifying: { 'service.name': uid } }),
    health: '{"healthy":true}',
    effective_config: config,
    effective_config_hash: hash,
    remote_config_status: null,
    package_statuses: null,
    available_components: null,
    custom_capabilities: null,
    connection_settings_status: null,
    disconnected_at: 3,
  };
}
