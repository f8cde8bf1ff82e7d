/** @module Port: where each change request's Slack approval card is (channel + message ts). */

export interface SlackCardsStore {
  get(changeId: string): { channel: string; ts: string } | undefined;
  put(changeId: string, channel: string, ts: string): void;
}
