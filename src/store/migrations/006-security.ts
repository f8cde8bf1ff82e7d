import type { Migration } from './index.js';

/**
 * Security review (issue 12): API tokens record who minted them, so a minted token is its
 * creator's person; and the first use of per-agent credentials is known, so an instance uid is
 * bound to the credential its agent has proven it holds.
 */
export const m006Security: Migration = {
  version: 6,
  name: 'security',
  sql: `
    -- Principal key (api_token:<id>) of the token that minted this one; NULL for tokens nobody
    -- minted: the first admin, AMPGATE_ADMIN_TOKEN, tokens the operator provisioned on the host,
    -- and tokens created before this migration (origin 'legacy').
    ALTER TABLE api_tokens ADD COLUMN owner TEXT;
    -- How the token came to be: first_start | env | operator | api | legacy.
    ALTER TABLE api_tokens ADD COLUMN origin TEXT NOT NULL DEFAULT 'legacy';
    CREATE INDEX api_tokens_owner ON api_tokens(owner);

    -- Per-agent credentials an agent has already authenticated with (known from the last
    -- authentication each agent was seen with) count as used.
    UPDATE agent_credentials SET last_used_at = (
      SELECT s.seen_at FROM agent_auth_seen s WHERE s.credential_id = agent_credentials.id
    ) WHERE last_used_at IS NULL AND kind != 'enrollment'
      AND EXISTS (SELECT 1 FROM agent_auth_seen s WHERE s.credential_id = agent_credentials.id);
  `,
};
