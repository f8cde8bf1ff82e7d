/**
 * @module PostgreSQL: where each change request's Slack approval card is.
 */
import type { SyncPg } from './bridge.js';
import type { SlackCardsStore } from '../ports/slack-cards.js';

export class PgSlackCardsRepo implements SlackCardsStore {
  constructor(private readonly pg: SyncPg) {}

  get(changeId: string): { channel: string; ts: string } | undefined {
    return this.pg.row<{ channel: string; ts: string }>('SELECT channel, ts FROM slack_cards WHERE change_id = $1', [changeId]);
  }

  put(changeId: string, channel: string, ts: string): void {
    this.pg.run(
      'INSERT INTO slack_cards (change_id, channel, ts) VALUES ($1, $2, $3) ON CONFLICT (change_id) DO UPDATE SET channel = excluded.channel, ts = excluded.ts',
      [changeId, channel, ts],
    );
  }
}
