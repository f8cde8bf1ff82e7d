/**
 * @module Slack request metrics: a Bolt global middleware counts every request the bot handles
 * (slash command, event by its type, button action, ...) and whether its handlers succeeded.
 */
import type { App } from '@slack/bolt';
import type { Metrics } from '../api/metrics.js';

/** Slack's own event types are a fixed vocabulary; anything else is grouped. */
const EVENT_TYPE = /^[a-z_]{1,40}$/;

function typeOf(args: Record<string, unknown>): string {
  if (args.command) return 'command';
  if (args.action) return 'action';
  if (args.view) return 'view';
  if (args.shortcut) return 'shortcut';
  if (args.options) return 'options';
  const event = args.event as { type?: unknown } | undefined;
  if (event) return typeof event.type === 'string' && EVENT_TYPE.test(event.type) ? `event:${event.type}` : 'event:other';
  return 'other';
}

export function observeSlack(app: App, metrics: Metrics): void {
  app.use(async (args) => {
    const type = typeOf(args as unknown as Record<string, unknown>);
    try {
      await args.next();
      metrics.slackRequests.inc({ type, outcome: 'ok' });
    } catch (err) {
      metrics.slackRequests.inc({ type, outcome: 'error' });
      throw err;
    }
  });
}
