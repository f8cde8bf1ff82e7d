/**
 * @module SQL over `effective_configs` (migration 009: an agent's effective config text stored once
 * per hash, its row keeping only the hash), shared by the SQLite and PostgreSQL repositories.
 */

/** The agents rows (alias `a`), each with its config text: from effective_configs, or its own (unhashed). */
export const AGENT_ROWS_WITH_CONFIG = `a.uid, a.first_seen, a.last_seen, a.transport, a.capabilities, a.description, a.health,
  COALESCE(c.config, a.effective_config) AS effective_config, a.effective_config_hash, a.remote_config_status,
  a.package_statuses, a.available_components, a.custom_capabilities, a.connection_settings_status,
  a.disconnected_at, a.replica
  FROM agents a LEFT JOIN effective_configs c ON c.hash = a.effective_config_hash`;

/** Deletes the configs no agent refers to. NOT IN over the non-null hashes: one pass over agents, not a lookup per config. */
export const PRUNE_UNREFERENCED_CONFIGS = `DELETE FROM effective_configs
  WHERE hash NOT IN (SELECT effective_config_hash FROM agents WHERE effective_config_hash IS NOT NULL)`;
