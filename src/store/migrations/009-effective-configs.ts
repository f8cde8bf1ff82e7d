import type { Migration } from './index.js';

/**
 * Effective configs stored once per distinct text (issue 20). An agent's row is rewritten on most
 * status reports (health times), while its effective config (~2 KB of the ~2.5 KB row) rarely
 * changes and is mostly shared by the agents of one fleet: the row keeps only its hash, the text
 * lives here. Rows with a hash move their text here (once per hash); rows without one keep theirs.
 */
export const m009EffectiveConfigs: Migration = {
  version: 9,
  name: 'effective-configs',
  sql: `
    -- hash: SHA-256 (hex) of config, as in agents.effective_config_hash.
    CREATE TABLE effective_configs (
      hash   TEXT PRIMARY KEY,
      config TEXT NOT NULL
    );
    -- One text per hash: every text with one SHA-256 is the same text.
    INSERT INTO effective_configs (hash, config)
      SELECT effective_config_hash, MIN(effective_config) FROM agents
      WHERE effective_config_hash IS NOT NULL AND effective_config IS NOT NULL
      GROUP BY effective_config_hash;
    UPDATE agents SET effective_config = NULL
      WHERE effective_config IS NOT NULL AND effective_config_hash IN (SELECT hash FROM effective_configs);
  `,
};
