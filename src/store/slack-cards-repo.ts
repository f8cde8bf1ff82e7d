/**
 * @module Persistence of Slack approval-card locations (channel + message ts per change request).
 */
import type { Db } from './db.js';
import type { SlackCardsStore } from './ports/slack-cards.js';

export class SlackCardsRepo implements SlackCardsStore {
  readonly #get;
  readonly #put;
  constructor(db: Db) {
    this.#get = db.prepare('SELECT channel, ts FROM slack_cards WHERE change_id = ?');
    this.#put = db.prepare(
      'INSERT INTO slack_cards (change_id, channel, ts) VALUES (?, ?, ?) ON CONFLICT(change_id) DO UPDATE SET channel = excluded.channel, ts = excluded.ts',
    );
  }
  get(changeId: string): { channel: string; ts: string } | undefined {
    return this.#get.get(changeId) as { channel: string; ts: string } | undefined;
  }
  put(changeId: string, channel: string, ts: string): void {
    this.#put.run(changeId, channel, ts);
  }
}
