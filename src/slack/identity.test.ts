import { describe, expect, it } from 'vitest';
import { BotIdentity } from './identity.js';

const answer = { user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', user: 'ampgate', team: 'test' };

describe('BotIdentity', () => {
  it('asks auth.test once and remembers the answer', async () => {
    const id = new BotIdentity(async () => answer);
    const all = await Promise.all([id.ids(), id.ids(), id.lookup()]);
    await id.ids();
    expect(id.calls).toBe(1);
    expect(all[0]).toEqual({ botUserId: 'UBOT', botId: 'BBOT', teamId: 'T1', user: 'ampgate', team: 'test' });
  });

  it('never keeps a request waiting longer than waitMs for a slow Slack', async () => {
    let release: (v: typeof answer) => void = () => {};
    const id = new BotIdentity(() => new Promise((r) => (release = r)));
    const started = Date.now();
    expect(await id.ids(50)).toEqual({});
    expect(Date.now() - started).toBeLessThan(1_000);
    release(answer);
    expect(await id.ids(50)).toMatchObject({ botUserId: 'UBOT' });
    expect(id.calls).toBe(1);
  });

  it('after a failure, asks again only once retryMs has passed', async () => {
    let now = 0;
    let fail = true;
    const id = new BotIdentity(
      async () => {
        if (fail) throw new Error('slack down');
        return answer;
      },
      () => now,
      30_000,
    );
    expect(await id.ids()).toEqual({});
    now = 10_000;
    expect(await id.ids()).toEqual({});
    expect(id.calls).toBe(1);
    fail = false;
    now = 31_000;
    expect(await id.ids()).toMatchObject({ botId: 'BBOT' });
    expect(id.calls).toBe(2);
    await expect(new BotIdentity(async () => Promise.reject(new Error('x'))).lookup()).rejects.toThrow('x');
  });
});
