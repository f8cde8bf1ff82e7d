import { describe, expect, it } from 'vitest';
import { malformedSlackPayload } from './payload-shape.js';

describe('malformedSlackPayload', () => {
  it('passes the envelopes Slack sends', () => {
    expect(malformedSlackPayload({ type: 'url_verification', challenge: 'x' })).toBeUndefined();
    expect(malformedSlackPayload({ type: 'event_callback', event: { type: 'app_mention', user: 'U1', text: 'hi', channel: 'C1', ts: '1.2' } })).toBeUndefined();
    expect(malformedSlackPayload({ command: '/ampgate', text: 'help', user_id: 'U1', channel_id: 'C1' })).toBeUndefined();
    expect(
      malformedSlackPayload({ type: 'block_actions', user: { id: 'U1' }, actions: [{ action_id: 'change_approve', value: '1|abc' }], channel: { id: 'C1' } }),
    ).toBeUndefined();
  });

  // Counterexamples the reliability suite's Slack fuzz test found (each made Bolt throw: HTTP 500).
  it('refuses the shapes Bolt cannot route', () => {
    expect(malformedSlackPayload({ type: 'event_callback', event: null })).toMatch(/event/);
    expect(malformedSlackPayload({ type: 'event_callback', event: { type: 'app_mention', item: 'x' } })).toMatch(/item/);
    expect(malformedSlackPayload({ type: 'message_action' })).toMatch(/user\.id/);
    expect(malformedSlackPayload({ type: 'view_submission', user: { id: 'U1' } })).toMatch(/view/);
    expect(malformedSlackPayload({ type: 'block_actions', user: { id: 'U1' }, actions: [] })).toMatch(/actions/);
    expect(malformedSlackPayload({ type: 'block_actions', user: { id: 'U1' }, actions: [1] })).toMatch(/action_id/);
    expect(malformedSlackPayload({ command: '/ampgate', text: 1, user_id: 'U1' })).toMatch(/text/);
    expect(malformedSlackPayload({ team: null })).toMatch(/team/);
    expect(malformedSlackPayload([])).toMatch(/object/);
  });
});
