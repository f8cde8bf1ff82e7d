import { afterEach, describe, expect, it } from 'vitest';
import { alice, bob, engineFixture, uid, viewer, type EngineFixture } from '../../test/support/changes.js';
import { removeDir, tempDir } from '../../test/support/temp.js';
import type { AmpgateError } from '../shared/errors.js';

let f: EngineFixture | undefined;
let dir: string | undefined;
afterEach(async () => {
  await f?.close();
  if (dir) removeDir(dir);
  f = undefined;
  dir = undefined;
});

const restart = { kind: 'restart' as const, target: { agents: [uid(1)] }, params: {}, reason: 'stuck', channel: 'rest' as const };
const actions = (fx: EngineFixture) =>
  fx.engine.audit
    .list({ limit: 10_000 })
    .map((e) => e.action)
    .filter((a) => a.startsWith('policy.'));

describe('refusals are audited without letting a caller grow the log at its own rate', () => {
  it('writes the first refusal of a kind at once and one count row for the repeats when the window ends', async () => {
    dir = tempDir();
    f = engineFixture(dir);
    const { request } = await f.engine.propose(alice, restart);
    for (let i = 0; i < 500; i++) {
      const err = await f.engine.approve(alice, request.id, { channel: 'rest' }).catch((e: AmpgateError) => e);
      expect((err as AmpgateError).code).toBe('forbidden');
    }
    await f.engine.propose(viewer, restart).catch(() => {}); // another kind: written at once
    expect(actions(f)).toEqual(['policy.denied', 'policy.denied']);

    f.clock.now += 61_000;
    f.engine.tick();
    const rows = f.engine.audit.list({ limit: 10_000 }).filter((e) => e.action.startsWith('policy.'));
    expect(rows.map((e) => e.action)).toEqual(['policy.denied', 'policy.denied', 'policy.denied_repeated']);
    expect(rows[2]).toMatchObject({
      actor: 'api_token:alice',
      requestId: request.id,
      data: { action: 'approve', repeated: 499, reason: expect.stringMatching(/self-approval is not allowed/) },
    });

    // After the window a new refusal of the same kind is written again (and counted from there).
    await f.engine.approve(alice, request.id, { channel: 'rest' }).catch(() => {});
    await f.engine.approve(alice, request.id, { channel: 'rest' }).catch(() => {});
    expect(actions(f)).toEqual(['policy.denied', 'policy.denied', 'policy.denied_repeated', 'policy.denied']);
    // Nothing is lost at shutdown: the pending count is written by stop().
    await f.engine.stop();
    expect(actions(f)).toEqual(['policy.denied', 'policy.denied', 'policy.denied_repeated', 'policy.denied', 'policy.denied_repeated']);
    expect(f.engine.audit.verify()).toMatchObject({ ok: true });
    await f.engine.approve(bob, request.id, { channel: 'rest' }).catch(() => {}); // stopped: no further rows
  });
});
