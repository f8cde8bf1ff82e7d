import { afterEach, describe, expect, it } from 'vitest';
import { addAgent, alice, bob, carol, engineFixture, uid, type EngineFixture, type FixtureOptions } from '../../test/support/changes.js';
import { eventually, removeDir, tempDir } from '../../test/support/temp.js';
import { AmpgateError } from '../shared/errors.js';
import type { ProposalInput } from './types.js';

const fixtures: EngineFixture[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const f of fixtures.splice(0)) await f.close();
  for (const d of dirs.splice(0)) removeDir(d);
});

function setup(opts: FixtureOptions = {}, reuseDir = false): EngineFixture {
  if (!reuseDir) dirs.push(tempDir());
  const dir = dirs.at(-1)!;
  const f = engineFixture(dir, opts);
  fixtures.push(f);
  return f;
}

const restartTwo: ProposalInput = { kind: 'restart', target: { agents: [uid(1), uid(2)] }, params: {}, reason: 'two stuck exporters', channel: 'rest' };
const bySelector: ProposalInput = {
  kind: 'restart',
  target: { selector: 'service.name=checkout,deployment.environment=prod' },
  params: {},
  reason: 'prod restart',
  channel: 'rest',
};
const terminal = (f: EngineFixture, id: string) => eventually(() => ['succeeded', 'failed', 'partially_failed'].includes(f.engine.get(id)!.state));

async function conflict(p: Promise<unknown>): Promise<AmpgateError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AmpgateError);
  expect((err as AmpgateError).code).toBe('conflict');
  return err as AmpgateError;
}

describe('drift: approval is bound to what the approvers saw', () => {
  it('refuses to execute when the target set changed since the proposal, and sends nothing', async () => {
    const f = setup({ agents: 0 });
    for (const n of [1, 2, 3]) addAgent(f.registry, n, { 'service.name': 'checkout', 'deployment.environment': 'prod' });
    addAgent(f.registry, 4, { 'service.name': 'checkout', 'deployment.environment': 'staging' });
    const { request } = await f.engine.propose(alice, bySelector);
    expect(request.targets).toEqual([uid(1), uid(2), uid(3)]);
    // Two agents join prod, one leaves it, before the approval.
    addAgent(f.registry, 5, { 'service.name': 'checkout', 'deployment.environment': 'prod' });
    addAgent(f.registry, 4, { 'service.name': 'checkout', 'deployment.environment': 'prod' });
    addAgent(f.registry, 3, { 'service.name': 'checkout', 'deployment.environment': 'staging' });
    const err = await conflict(f.engine.approve(bob, request.id, { channel: 'rest' }));
    expect(err.message).toMatch(/target set changed: \+2 -1 agents.*nothing was sent/);
    expect(err.details).toMatchObject({ added: [uid(4), uid(5)], removed: [uid(3)] });
    const after = f.engine.get(request.id)!;
    expect(after.state).toBe('failed');
    expect(after.resultSummary).toBe('drift: target set changed: +2 -1 agents; nothing was sent');
    expect(f.executor.calls(request.id)).toBe(0);
    const drift = f.engine.audit.list().find((e) => e.action === 'change.drift_refused')!;
    expect(drift.data).toMatchObject({ reason: 'target set changed: +2 -1 agents', addedCount: 2, removedCount: 1 });
    // The double click after the refusal is a no-op, and nothing runs.
    expect((await f.engine.approve(bob, request.id, { channel: 'rest' })).state).toBe('failed');
    expect(f.executor.calls(request.id)).toBe(0);
  });

  it('refuses when the payload changed, and when the targets can no longer be planned', async () => {
    const f = setup();
    const a = (await f.engine.propose(alice, restartTwo)).request;
    f.executor.payload = 'payload-v2';
    expect((await conflict(f.engine.approve(bob, a.id, { channel: 'rest' }))).message).toMatch(/payload changed \([0-9a-f]{12}… -> [0-9a-f]{12}…\)/);
    const b = (await f.engine
      .propose(alice, { ...restartTwo, target: { selector: 'service.name=checkout,zone=a' }, reason: 'zone a' })
      .catch((e: Error) => e)) as Error;
    expect(b.message).toMatch(/matches no known agent/);
    addAgent(f.registry, 7, { 'service.name': 'checkout', zone: 'a' });
    const c = (await f.engine.propose(alice, { ...restartTwo, target: { selector: 'service.name=checkout,zone=a' }, reason: 'zone a' })).request;
    addAgent(f.registry, 7, { 'service.name': 'checkout', zone: 'b' });
    expect((await conflict(f.engine.approve(bob, c.id, { channel: 'rest' }))).message).toMatch(/can no longer be planned: selector .* matches no known agent/);
    expect(f.executor.calls(a.id) + f.executor.calls(c.id)).toBe(0);
  });
});

describe('change freezes', () => {
  const start = Date.parse('2030-11-29T00:00:00Z');
  const end = Date.parse('2030-12-02T08:00:00Z');
  const freeze = { freezes: [{ reason: 'Black Friday', start: new Date(start).toISOString(), end: new Date(end).toISOString() }] };

  it('holds a fully approved request during a freeze and starts it when the freeze ends', async () => {
    const f = setup({ policy: { ...freeze, expiry: { defaultMinutes: 30, maxMinutes: 7 * 24 * 60 } }, now: start + 3_600_000 });
    const { request } = await f.engine.propose(alice, { ...restartTwo, expiresInMinutes: 5 * 24 * 60 });
    const held = await f.engine.approve(bob, request.id, { channel: 'rest' });
    expect(held.state).toBe('approved');
    expect(held.hold).toEqual({ reason: 'Black Friday', until: new Date(end).toISOString() });
    f.engine.tick();
    expect(f.executor.calls(request.id)).toBe(0);
    f.clock.now = end;
    f.engine.tick();
    await terminal(f, request.id);
    expect(f.engine.get(request.id)).toMatchObject({ state: 'succeeded', hold: null });
    expect(f.executor.calls(request.id)).toBe(1);
    expect(f.engine.audit.list().map((e) => e.action)).toEqual([
      'change.proposed',
      'change.approved',
      'change.held',
      'change.released',
      'change.execution_started',
      'change.outcome',
      'change.outcome',
      'change.result',
    ]);
  });

  it('expires a held request whose expiry comes before the end of the freeze; only listed kinds are frozen', async () => {
    const f = setup({ policy: { freezes: [{ ...freeze.freezes[0], kinds: ['restart'] }] }, now: start });
    const { request } = await f.engine.propose(alice, restartTwo);
    expect((await f.engine.approve(bob, request.id, { channel: 'rest' })).state).toBe('approved');
    f.clock.now += 31 * 60_000;
    f.engine.tick();
    expect(f.engine.get(request.id)).toMatchObject({ state: 'expired', resultSummary: expect.stringMatching(/held by change freeze: Black Friday/) });
    expect(f.executor.calls(request.id)).toBe(0);
    expect(f.engine.policy.freezeAt(f.clock.now, 'config_push')).toBeUndefined();
  });

  it('a held request can still be rejected or cancelled', async () => {
    const f = setup({ policy: freeze, now: start });
    const a = (await f.engine.propose(alice, restartTwo)).request;
    await f.engine.approve(bob, a.id, { channel: 'rest' });
    expect((await f.engine.reject(carol, a.id, { channel: 'rest', comment: 'wait for january' })).state).toBe('rejected');
    const b = (await f.engine.propose(alice, { ...restartTwo, params: { note: 'b' } })).request;
    await f.engine.approve(bob, b.id, { channel: 'rest' });
    expect((await f.engine.cancel(alice, b.id, { channel: 'rest' })).state).toBe('cancelled');
  });
});

describe('execution results', () => {
  it('partially_failed and failed from outcomes; an executor exception fails the request with its message', async () => {
    const f = setup({ executor: { failFor: (u) => (u === uid(2) ? 'agent refused' : undefined) } });
    const a = (await f.engine.propose(alice, restartTwo)).request;
    await f.engine.approve(bob, a.id, { channel: 'rest' });
    await terminal(f, a.id);
    const done = f.engine.get(a.id)!;
    expect(done.state).toBe('partially_failed');
    expect(done.outcomes.map((o) => [o.uid, o.status, o.detail])).toEqual([
      [uid(1), 'succeeded', 'done'],
      [uid(2), 'failed', 'agent refused'],
    ]);
    expect(f.engine.audit.list().at(-1)!.data).toMatchObject({ state: 'partially_failed', outcomes: { succeeded: 1, failed: 1 } });

    const g = setup({ executor: { beforeEffect: () => Promise.reject(new Error('socket exploded')) } });
    const b = (await g.engine.propose(alice, restartTwo)).request;
    await g.engine.approve(bob, b.id, { channel: 'rest' });
    await terminal(g, b.id);
    expect(g.engine.get(b.id)).toMatchObject({ state: 'failed', resultSummary: 'executor error: socket exploded' });
  });

  it('stop() aborts a running execution; the next start() resumes it and every effect happens once', async () => {
    let release: (() => void) | undefined;
    let first = true;
    const f = setup({
      executor: {
        // Hold before the second agent until the engine is stopped.
        beforeEffect: (u, _req, ctx) =>
          u === uid(2) && first
            ? new Promise<void>((resolve) => {
                first = false;
                release = resolve;
                ctx.signal.addEventListener('abort', () => resolve());
              })
            : undefined,
      },
    });
    const { request } = await f.engine.propose(alice, restartTwo);
    await f.engine.approve(bob, request.id, { channel: 'rest' });
    await eventually(() => release !== undefined);
    await fixtures.splice(0, 1)[0]!.close();

    const g = setup({}, true);
    await terminal(g, request.id);
    expect(g.engine.get(request.id)!.state).toBe('succeeded');
    expect(g.executor.calls(request.id)).toBe(2);
    expect([...g.executor.effects(request.id).entries()]).toEqual([
      [uid(1), 1],
      [uid(2), 1],
    ]);
    expect(g.engine.audit.list().map((e) => e.action)).toContain('change.execution_resumed');
    // The resumed executor reported agent 1 again; an unchanged outcome is not stored or audited twice.
    expect(
      g.engine.audit
        .list()
        .filter((e) => e.action === 'change.outcome')
        .map((e) => e.data.uid),
    ).toEqual([uid(1), uid(2)]);
    expect(g.engine.audit.verify().ok).toBe(true);
  });
});
