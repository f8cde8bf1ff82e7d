import type { Migration } from './index.js';

/** Where each change request's approval card lives in Slack, so it keeps updating after a restart. */
export const m005Slack: Migration = {
  version: 5,
  name: 'slack',
  sql: `
    CREATE TABLE slack_cards (
      change_id TEXT PRIMARY KEY,
      channel   TEXT NOT NULL,
      ts        TEXT NOT NULL
    ) WITHOUT ROWID;
  `,
};
