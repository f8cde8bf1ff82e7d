import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  addAgent,
  admin,
  alice,
  aliceSlack,
  bob,
  bobSlack,
  carol,
  engineFixture,
  mcpBot,
  ONCALL_GROUP,
  uid,
  viewer,
  type EngineFixture,
  type FixtureOptions,
} from '../../test/support/changes.js';
import { eventually, removeDir, tempDir } from '../../test/support/temp.js';
import { AmpgateError } from '../shared/errors.js';
import type { ChangeEvent, ProposalInput } from './types.js';

let fx: EngineFixture | undefined;
let dir: string;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
  removeDir(dir);
});

function setup(opts: FixtureOptions = {}): EngineFixture {
  dir = tempDir();
  fx = engineFixture(dir, opts);
  return fx;
}

const restartOne: ProposalInput = { kind: 'restart', target: { agents: [uid(1)] }, params: {}, reason: 'stuck exporter', channel: 'rest' };
const restartTwo: ProposalInput = { kind: 'restart', target: { agents: [uid(1), uid(2)] }, params: {}, reason: 'two stuck exporters', channel: 'rest' };
const restartAll: ProposalInput = { kind: 'restart', target: { selector: 'service.name=checkout' }, params: {}, reason: 'rolling restart', channel: 'rest' };

async function rejects(p: Promise<unknown>, code: string, message?: RegExp): Promise<AmpgateError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AmpgateError);
  expect((err as AmpgateError).code).toBe(code);
  if (message) expect((err as AmpgateError).message).toMatch(message);
  return err as AmpgateError;
}

const settled = (f: EngineFixture, id: string) => eventually(() => ['succeeded', 'failed', 'partially_failed'].includes(f.engine.get(id)!.state));

describe('proposals', () => {
  it('stores a pending request with resolved targets, plan, risk, approvals needed and expiry', async () => {
    const f = setup();
    const { request, existing } = await f.engine.propose(alice, restartOne);
    expect(existing).toBe(false);
    expect(request).toMatchObject({ kind: 'restart', state: 'pending', requester: alice, channel: 'rest', llmOriginated: false, reason: 'stuck exporter' });
    expect(request.targets).toEqual([uid(1)]);
    expect(request.risk).toBe('low');
    expect(request.requiredApprovals).toBe(1);
    expect(Date.parse(request.expiresAt) - Date.parse(request.createdAt)).toBe(30 * 60_000);
    expect(request.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(f.engine.get(request.id)).toEqual(request);
    expect(f.engine.audit.list().map((e) => e.action)).toEqual(['change.proposed']);
  });

  it('returns the open identical request instead of a second one, and a new one once it is closed', async () => {
    const f = setup();
    const first = await f.engine.propose(alice, restartAll);
    // Same inputs, other requester, selector written differently: still the same change.
    const again = await f.engine.propose(carol, { ...restartAll, target: { selector: ' service.name = checkout ' }, reason: 'other words' });
    expect(again).toMatchObject({ existing: true, request: { id: first.request.id, reason: 'rolling restart' } });
    const other = await f.engine.propose(alice, { ...restartAll, params: { note: 'x' } });
    expect(other.existing).toBe(false);
    await f.engine.cancel(alice, first.request.id, { channel: 'rest' });
    const fresh = await f.engine.propose(alice, restartAll);
    expect(fresh.existing).toBe(false);
    expect(fresh.request.id).not.toBe(first.request.id);
    expect(f.engine.list({ states: ['pending'] }).total).toBe(2);
  });

  it('refuses bad input with 422, a missing role with 403 (audited), an unavailable kind with 503', async () => {
    const f = setup();
    await rejects(f.engine.propose(alice, { ...restartOne, reason: '   ' }), 'unprocessable', /reason is required/);
    await rejects(f.engine.propose(alice, { ...restartOne, target: {} }), 'unprocessable', /exactly one/);
    await rejects(f.engine.propose(alice, { ...restartOne, params: { bogus: 1 } }), 'unprocessable', /unknown params/);
    await rejects(f.engine.propose(alice, { ...restartOne, target: { agents: [uid(99)] } }), 'unprocessable', /unknown agents/);
    await rejects(f.engine.propose(alice, { ...restartOne, expiresInMinutes: 10_000 }), 'unprocessable', /at most 1440/);
    await rejects(f.engine.propose(viewer, restartOne), 'forbidden', /proposer role/);
    await rejects(f.engine.propose(alice, { ...restartOne, kind: 'rotate_credentials' }), 'unavailable');
    const denied = f.engine.audit.list().filter((e) => e.action === 'policy.denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]!.actor).toBe('api_token:vera');
    expect(f.engine.list().total).toBe(0);
  });

  it('refuses a target whose agents are all ineligible, listing why', async () => {
    const f = setup();
    addAgent(f.registry, 1, { 'service.name': 'checkout', ineligible: 'true' });
    await rejects(f.engine.propose(alice, restartOne), 'unprocessable', /no eligible target.*marked ineligible/);
    const { request } = await f.engine.propose(alice, restartAll);
    expect(request.ineligible).toEqual([{ uid: uid(1), reason: 'marked ineligible for tests' }]);
    expect(request.targets).toEqual([uid(2), uid(3)]);
  });

  it('redacts tokens pasted into a reason and records LLM-originated proposals', async () => {
    const f = setup();
    const token = `ampk_${'A'.repeat(43)}`;
    const { request } = await f.engine.propose(mcpBot, { ...restartOne, reason: `restart, my token is ${token}`, channel: 'mcp' });
    expect(request.llmOriginated).toBe(true);
    expect(request.reason).not.toContain(token);
    expect(request.reason).toMatch(/\[redacted token …[0-9a-f]{4}\]/);
    expect(JSON.stringify(f.engine.audit.list())).not.toContain(token);
  });
});

describe('approval', () => {
  it('pending -> approved -> executing -> succeeded, with events after commit and an audit trail', async () => {
    const f = setup();
    const events: Array<{ type: string; state: string; committed: string | undefined }> = [];
    // A second connection sees only committed data: every event must describe committed state.
    const reader = new Database(join(dir, 'ampgate.db'), { readonly: true });
    f.engine.subscribe((e: ChangeEvent) => {
      const row = reader.prepare('SELECT state FROM change_requests WHERE id = ?').get(Number(e.request.id)) as { state: string } | undefined;
      events.push({ type: e.type, state: e.request.state, committed: row?.state });
    });
    const { request } = await f.engine.propose(alice, restartOne);
    const approved = await f.engine.approve(bob, request.id, { channel: 'rest', comment: 'lgtm' });
    expect(approved.state).toBe('executing');
    await settled(f, request.id);
    const done = f.engine.get(request.id)!;
    expect(done.state).toBe('succeeded');
    expect(done.resultSummary).toBe('1 of 1 agents done');
    expect(done.outcomes).toMatchObject([{ uid: uid(1), status: 'succeeded', detail: 'done' }]);
    expect(done.approvals).toMatchObject([{ principal: bob, decision: 'approve', comment: 'lgtm', fingerprint: request.fingerprint }]);
    expect(f.executor.calls(request.id)).toBe(1);
    expect(events.map((e) => `${e.type}:${e.state}`)).toEqual([
      'proposed:pending',
      'approval:pending',
      'state:approved',
      'state:executing',
      'outcome:executing',
      'progress:executing',
      'state:succeeded',
    ]);
    // Snapshots carry the state of their step; the committed row is never behind an event.
    const order = ['pending', 'approved', 'executing', 'succeeded'];
    for (const e of events) expect(order.indexOf(e.committed!)).toBeGreaterThanOrEqual(order.indexOf(e.state));
    reader.close();
    expect(f.engine.audit.list().map((e) => e.action)).toEqual([
      'change.proposed',
      'change.approved',
      'change.execution_started',
      'change.outcome',
      'change.result',
    ]);
    expect(f.engine.audit.verify()).toMatchObject({ ok: true, count: 5 });
  });

  it('refuses self-approval, even for admins and across principals of one person (identities map)', async () => {
    const f = setup({ policy: { approvers: { slackUserGroups: [ONCALL_GROUP] }, identities: { alice: ['api_token:alice', 'slack:UALICE'] } } });
    const mine = (await f.engine.propose(admin, restartOne)).request;
    await rejects(f.engine.approve(admin, mine.id, { channel: 'rest' }), 'forbidden', /self-approval/);
    const hers = (await f.engine.propose(alice, restartTwo)).request;
    await rejects(f.engine.approve(aliceSlack, hers.id, { channel: 'slack' }), 'forbidden', /self-approval.*same person/);
    expect(f.engine.get(hers.id)!.state).toBe('pending');
    const denials = f.engine.audit.list().filter((e) => e.action === 'policy.denied');
    expect(denials.map((d) => [d.actor, d.requestId, d.data.action])).toEqual([
      ['api_token:root', mine.id, 'approve'],
      ['slack:UALICE', hers.id, 'approve'],
    ]);
    await f.engine.approve(bobSlack, hers.id, { channel: 'slack' });
    await settled(f, hers.id);
  });

  it('never accepts an approval from an LLM or through MCP', async () => {
    const f = setup();
    const { request } = await f.engine.propose(mcpBot, { ...restartOne, channel: 'mcp' });
    expect(request.llmOriginated).toBe(true);
    await rejects(f.engine.approve(bob, request.id, { channel: 'mcp' }), 'forbidden', /never approve/);
    await rejects(f.engine.approve({ ...carol, llm: true }, request.id, { channel: 'slack' }), 'forbidden', /never approve/);
    await rejects(f.engine.reject(bob, request.id, { channel: 'mcp' }), 'forbidden');
    expect(f.engine.get(request.id)!.approvals).toEqual([]);
    // A human approver through a human channel can.
    expect((await f.engine.approve(bob, request.id, { channel: 'rest' })).state).toBe('executing');
    await settled(f, request.id);
  });

  it('needs the approver role and, when the policy lists approvers, a listed principal', async () => {
    const f = setup({
      policy: { approvers: { principals: ['api_token:carol', 'oncall-lead'], slackUserGroups: [] }, identities: { 'oncall-lead': ['slack:UBOB'] } },
    });
    const { request } = await f.engine.propose(alice, restartTwo);
    await rejects(f.engine.approve({ ...viewer }, request.id, { channel: 'rest' }), 'forbidden', /approver role/);
    await rejects(f.engine.approve(bob, request.id, { channel: 'rest' }), 'forbidden', /not in the policy's approvers list/);
    await rejects(f.engine.approve(aliceSlack, request.id, { channel: 'slack' }), 'forbidden', /approvers list/);
    expect((await f.engine.approve(bobSlack, request.id, { channel: 'slack' })).state).toBe('executing');
    await settled(f, request.id);
  });

  it('needs two distinct people for a high-risk request; repeats and the same person via another principal do not count', async () => {
    const f = setup({ policy: { approvers: { slackUserGroups: [ONCALL_GROUP] }, identities: { bob: ['api_token:bob', 'slack:UBOB'] } } });
    const { request } = await f.engine.propose(alice, restartAll); // all known agents: fleet-wide, high
    expect(request).toMatchObject({ risk: 'high', requiredApprovals: 2 });
    expect((await f.engine.approve(bob, request.id, { channel: 'rest' })).state).toBe('pending');
    expect((await f.engine.approve(bob, request.id, { channel: 'rest' })).approvals).toHaveLength(1);
    expect((await f.engine.approve(bobSlack, request.id, { channel: 'slack' })).approvals).toHaveLength(1);
    expect(f.executor.calls(request.id)).toBe(0);
    expect((await f.engine.approve(carol, request.id, { channel: 'rest' })).state).toBe('executing');
    await settled(f, request.id);
    expect([...f.executor.effects(request.id).values()]).toEqual([1, 1, 1]);
  });

  it('executes once when the final approval is clicked twice at the same time', async () => {
    const f = setup();
    const { request } = await f.engine.propose(alice, restartAll);
    await f.engine.approve(carol, request.id, { channel: 'rest' });
    const results = await Promise.all([
      f.engine.approve(bob, request.id, { channel: 'slack' }),
      f.engine.approve(bob, request.id, { channel: 'slack' }),
      f.engine.approve(bob, request.id, { channel: 'rest' }),
    ]);
    expect(results.map((r) => r.id)).toEqual([request.id, request.id, request.id]);
    await settled(f, request.id);
    expect(f.executor.calls(request.id)).toBe(1);
    expect([...f.executor.effects(request.id).values()]).toEqual([1, 1, 1]);
    expect(f.engine.get(request.id)!.approvals).toHaveLength(2);
    // And a click after it finished is still a harmless no-op.
    expect((await f.engine.approve(bob, request.id, { channel: 'rest' })).state).toBe('succeeded');
  });

  it('binds the approval to the fingerprint the approver saw (full or a 12+ character prefix)', async () => {
    const f = setup();
    const { request } = await f.engine.propose(alice, restartOne);
    await rejects(f.engine.approve(bob, request.id, { channel: 'rest', fingerprint: 'deadbeefdeadbeef' }), 'conflict', /fingerprint mismatch/);
    await rejects(f.engine.approve(bob, request.id, { channel: 'rest', fingerprint: request.fingerprint.slice(0, 8) }), 'conflict');
    expect((await f.engine.approve(bob, request.id, { channel: 'rest', fingerprint: request.fingerprint.slice(0, 12) })).state).toBe('executing');
    await settled(f, request.id);
  });

  it('404 for unknown ids and 409 for approving a request that is not pending', async () => {
    const f = setup();
    await rejects(f.engine.approve(bob, '999', { channel: 'rest' }), 'not_found');
    await rejects(f.engine.approve(bob, 'abc', { channel: 'rest' }), 'not_found');
    const { request } = await f.engine.propose(alice, restartOne);
    await f.engine.cancel(alice, request.id, { channel: 'rest' });
    await rejects(f.engine.approve(bob, request.id, { channel: 'rest' }), 'conflict', /is cancelled/);
  });
});

describe('rejection, cancellation, expiry', () => {
  it('any rejection ends the request, even after an approval', async () => {
    const f = setup();
    const { request } = await f.engine.propose(alice, restartAll);
    await f.engine.approve(bob, request.id, { channel: 'rest' });
    const rejected = await f.engine.reject(carol, request.id, { channel: 'slack', comment: 'not during the sale' });
    expect(rejected).toMatchObject({ state: 'rejected', resultSummary: 'rejected by carol: not during the sale' });
    expect(rejected.approvals.map((a) => a.decision)).toEqual(['approve', 'reject']);
    await rejects(f.engine.approve(admin, request.id, { channel: 'rest' }), 'conflict', /is rejected/);
    await rejects(f.engine.reject(viewer, request.id, { channel: 'rest' }), 'forbidden');
    expect(f.executor.calls(request.id)).toBe(0);
  });

  it('cancel: the requester or an admin, only before execution', async () => {
    const f = setup();
    const a = (await f.engine.propose(alice, restartOne)).request;
    await rejects(f.engine.cancel(bob, a.id, { channel: 'rest' }), 'forbidden', /only the requester/);
    expect((await f.engine.cancel(alice, a.id, { channel: 'cli', comment: 'wrong agent' })).resultSummary).toBe('cancelled by alice: wrong agent');
    const b = (await f.engine.propose(alice, restartAll)).request;
    expect((await f.engine.cancel(admin, b.id, { channel: 'rest' })).state).toBe('cancelled');
    const c = (await f.engine.propose(alice, { ...restartOne, params: { note: 'c' } })).request;
    await f.engine.approve(bob, c.id, { channel: 'rest' });
    await rejects(f.engine.cancel(alice, c.id, { channel: 'rest' }), 'conflict', /only pending or approved/);
    await settled(f, c.id);
  });

  it('expires pending requests (sweeper) and refuses approving an expired one, recording the expiry', async () => {
    const f = setup();
    const a = (await f.engine.propose(alice, restartOne)).request;
    const b = (await f.engine.propose(alice, { ...restartOne, params: { note: 'b' }, expiresInMinutes: 120 })).request;
    f.clock.now += 31 * 60_000;
    // Not swept yet: the approval finds it expired, flips it, and refuses.
    await rejects(f.engine.approve(bob, a.id, { channel: 'rest' }), 'conflict', /expired at/);
    expect(f.engine.get(a.id)).toMatchObject({ state: 'expired', resultSummary: expect.stringMatching(/with 0 of 1 approvals/) });
    f.engine.tick();
    expect(f.engine.get(b.id)!.state).toBe('pending');
    f.clock.now += 90 * 60_000;
    f.engine.tick();
    expect(f.engine.get(b.id)!.state).toBe('expired');
    expect(
      f.engine.audit
        .list()
        .filter((e) => e.action === 'change.expired')
        .map((e) => e.requestId),
    ).toEqual([a.id, b.id]);
    // An expired request no longer blocks an identical new proposal.
    expect((await f.engine.propose(alice, restartOne)).existing).toBe(false);
  });
});
