/**
 * Change requests and the audit log over real HTTP against an in-process server with a real
 * SQLite file. The executor is the test executor (test/support/test-executor.ts), not a fleet one.
 */
import { create } from '@bufbuild/protobuf';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry, VerifyResult } from '../../src/changes/audit.js';
import type { ChangeRequest } from '../../src/changes/types.js';
import type { ChangeSummary } from '../../src/changes/views.js';
import { TOKEN_PATTERN } from '../../src/shared/secrets.js';
import { addAgent, uid } from '../support/changes.js';
import { ADMIN_TOKEN, eventually, removeDir, startTestServer, tempDir, testDb, type TestServer } from '../support/server.js';
import { PolicyError } from '../../src/changes/policy.js';
import { TestExecutor } from '../support/test-executor.js';
import { AgentToServerSchema } from '../../src/gen/opamp/v1/opamp_pb.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  if (server) removeDir(server.dir);
  server = undefined;
});

interface Setup {
  s: TestServer;
  executor: TestExecutor;
  tokens: { alice: string; bob: string; carol: string; vera: string };
}

async function setup(): Promise<Setup> {
  const s = (server = await startTestServer({}, undefined, { registerFleetExecutors: false }));
  for (const n of [1, 2, 3]) addAgent(s.registry, n, { 'service.name': 'checkout', 'deployment.environment': 'prod' });
  const executor = new TestExecutor(testDb(s), s.registry);
  s.changes.registerExecutor(executor);
  const t = (name: string, role: 'viewer' | 'proposer' | 'approver') => s.apiTokens.create(name, role).secret;
  return { s, executor, tokens: { alice: t('alice', 'proposer'), bob: t('bob', 'approver'), carol: t('carol', 'approver'), vera: t('vera', 'viewer') } };
}

const proposal = { kind: 'restart', target: { agents: [uid(1), uid(2)] }, params: {}, reason: 'exporters stuck since 09:12' };
type Err = { error: { code: string; message: string; details?: Record<string, unknown> } };

describe('REST /api/changes', () => {
  it('propose (201, then 200 for the open duplicate), show, list with filters, approve, execute', async () => {
    const { s, executor, tokens } = await setup();
    const created = await s.api<{ request: ChangeRequest; existing: boolean }>('POST', '/api/changes', proposal, tokens.alice);
    expect(created.status).toBe(201);
    const id = created.body.request.id;
    expect(created.body).toMatchObject({
      existing: false,
      request: { state: 'pending', channel: 'rest', requester: { kind: 'api_token', name: 'alice', role: 'proposer' } },
    });
    const again = await s.api<{ request: ChangeRequest; existing: boolean }>('POST', '/api/changes', { ...proposal, channel: 'slack' }, tokens.alice);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ existing: true, request: { id } });

    const shown = await s.api<ChangeRequest>('GET', `/api/changes/${id}`, undefined, tokens.vera);
    expect(shown.status).toBe(200);
    expect(shown.body.preview.summary).toBe('test restart of 2 agents');
    expect(shown.body.outcomes).toEqual([]);

    const pending = await s.api<{ total: number; changes: ChangeSummary[] }>('GET', '/api/changes?state=pending,approved&kind=restart', undefined, tokens.vera);
    expect(pending.body.total).toBe(1);
    expect(pending.body.changes[0]).toMatchObject({ id, agentCount: 2, approvals: { count: 0, required: 1, by: [] }, requester: { name: 'alice' } });
    expect((await s.api<{ total: number }>('GET', '/api/changes?requester=me', undefined, tokens.bob)).body.total).toBe(0);
    expect((await s.api<{ total: number }>('GET', '/api/changes?requester=me', undefined, tokens.alice)).body.total).toBe(1);
    expect((await s.api('GET', '/api/changes?state=bogus', undefined, tokens.alice)).status).toBe(400);

    const approved = await s.api<ChangeRequest>('POST', `/api/changes/${id}/approve`, { comment: 'go', fingerprint: shown.body.fingerprint }, tokens.bob);
    expect(approved.status).toBe(200);
    expect(approved.body.state).toBe('executing');
    await eventually(async () => (await s.api<ChangeRequest>('GET', `/api/changes/${id}`)).body.state === 'succeeded');
    // The double click: 200, nothing more happens.
    expect((await s.api<ChangeRequest>('POST', `/api/changes/${id}/approve`, {}, tokens.bob)).status).toBe(200);
    expect(executor.calls(id)).toBe(1);
    const done = await s.api<ChangeRequest>('GET', `/api/changes/${id}`);
    expect(done.body.outcomes.map((o) => o.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('status codes: 401 no token, 403 role or self-approval, 404 unknown, 409 wrong state, 422 bad input', async () => {
    const { s, tokens } = await setup();
    expect((await s.api('POST', '/api/changes', proposal, null)).status).toBe(401);
    expect((await s.api('GET', '/api/changes', undefined, 'ampk_nope')).status).toBe(401);
    const viewerPropose = await s.api<Err>('POST', '/api/changes', proposal, tokens.vera);
    expect(viewerPropose.status).toBe(403);
    expect(viewerPropose.body.error.message).toMatch(/proposer role/);
    const noReason = await s.api<Err>('POST', '/api/changes', { ...proposal, reason: '' }, tokens.alice);
    expect(noReason.status).toBe(422);
    expect(noReason.body.error.message).toMatch(/reason: a reason is required/);
    expect((await s.api('POST', '/api/changes', { ...proposal, kind: 'reboot_datacenter' }, tokens.alice)).status).toBe(422);
    expect((await s.api('POST', '/api/changes', [1, 2], tokens.alice)).status).toBe(422);
    expect((await s.api('GET', '/api/changes/12345', undefined, tokens.alice)).status).toBe(404);
    expect((await s.api('POST', '/api/changes/12345/approve', {}, tokens.bob)).status).toBe(404);

    const { body } = await s.api<{ request: ChangeRequest }>('POST', '/api/changes', proposal, tokens.bob);
    const self = await s.api<Err>('POST', `/api/changes/${body.request.id}/approve`, {}, tokens.bob);
    expect(self.status).toBe(403);
    expect(self.body.error.message).toMatch(/self-approval/);
    expect((await s.api('POST', `/api/changes/${body.request.id}/approve`, {}, tokens.alice)).status).toBe(403);
    expect((await s.api('POST', `/api/changes/${body.request.id}/approve`, { extra: 1 }, tokens.carol)).status).toBe(422);
    expect((await s.api('POST', `/api/changes/${body.request.id}/approve`, { fingerprint: 'f'.repeat(64) }, tokens.carol)).status).toBe(409);
    expect((await s.api('POST', `/api/changes/${body.request.id}/cancel`, {}, tokens.carol)).status).toBe(403);
    expect((await s.api<ChangeRequest>('POST', `/api/changes/${body.request.id}/reject`, { comment: 'no' }, tokens.carol)).body.state).toBe('rejected');
    expect((await s.api('POST', `/api/changes/${body.request.id}/approve`, {}, tokens.carol)).status).toBe(409);
    expect((await s.api('POST', `/api/changes/${body.request.id}/cancel`, {}, tokens.bob)).status).toBe(409);
  });

  it('drift between proposal and approval: 409 with the reason, nothing executed', async () => {
    const { s, executor, tokens } = await setup();
    const { body } = await s.api<{ request: ChangeRequest }>(
      'POST',
      '/api/changes',
      { ...proposal, target: { selector: 'deployment.environment=prod' } },
      tokens.alice,
    );
    expect(body.request.targets).toHaveLength(3);
    addAgent(s.registry, 4, { 'service.name': 'checkout', 'deployment.environment': 'prod' });
    addAgent(s.registry, 5, { 'service.name': 'checkout', 'deployment.environment': 'prod' });
    const first = await s.api<Err>('POST', `/api/changes/${body.request.id}/approve`, {}, tokens.bob);
    expect(first.status).toBe(200); // high risk (fleet-wide): first of two approvals
    const res = await s.api<Err>('POST', `/api/changes/${body.request.id}/approve`, {}, tokens.carol);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/target set changed: \+2 -0 agents/);
    expect(res.body.error.details).toMatchObject({ drift: 'target set changed: +2 -0 agents', added: [uid(4), uid(5)] });
    const after = await s.api<ChangeRequest>('GET', `/api/changes/${body.request.id}`);
    expect(after.body).toMatchObject({ state: 'failed', resultSummary: 'drift: target set changed: +2 -0 agents; nothing was sent' });
    expect(executor.calls(body.request.id)).toBe(0);
  });

  it('the CLI header records channel cli; a body cannot claim mcp or slack', async () => {
    const { s, tokens } = await setup();
    const res = await fetch(`${s.controlUrl}/api/changes`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokens.alice}`, 'Content-Type': 'application/json', 'X-Ampgate-Client': 'cli' },
      body: JSON.stringify({ ...proposal, channel: 'mcp' }),
    });
    const body = (await res.json()) as { request: ChangeRequest };
    expect(body.request).toMatchObject({ channel: 'cli', llmOriginated: false });
  });
});

describe('REST /api/audit', () => {
  it('admin only; pages, verifies, exports JSONL; never contains a secret', async () => {
    const { s, tokens } = await setup();
    const { body } = await s.api<{ request: ChangeRequest }>('POST', '/api/changes', proposal, tokens.alice);
    await s.api('POST', `/api/changes/${body.request.id}/approve`, {}, tokens.alice); // denied, audited
    await s.api('POST', `/api/changes/${body.request.id}/approve`, {}, tokens.bob);
    await eventually(async () => (await s.api<ChangeRequest>('GET', `/api/changes/${body.request.id}`)).body.state === 'succeeded');

    expect((await s.api('GET', '/api/audit', undefined, tokens.bob)).status).toBe(403);
    // The first start registered the admin and enrollment tokens: privilege changes are audited too.
    const page1 = await s.api<{ entries: AuditEntry[]; next: number | null }>('GET', '/api/audit?limit=5');
    expect(page1.body.entries.map((e) => e.action)).toEqual(['token.created', 'enrollment.created', 'change.proposed', 'policy.denied', 'change.approved']);
    expect(page1.body.next).toBe(5);
    const page2 = await s.api<{ entries: AuditEntry[]; next: number | null }>('GET', `/api/audit?after=${page1.body.next}`);
    expect(page2.body.entries.map((e) => e.action)).toEqual(['change.execution_started', 'change.outcome', 'change.outcome', 'change.result']);
    expect(page2.body.next).toBeNull();
    const forRequest = await s.api<{ entries: AuditEntry[] }>('GET', `/api/audit?request=${body.request.id}&limit=1000`);
    expect(forRequest.body.entries).toHaveLength(7);

    const verify = await s.api<VerifyResult>('GET', '/api/audit/verify');
    expect(verify.body).toMatchObject({ ok: true, count: 9, head: { seq: 9 } });
    const exported = await fetch(`${s.controlUrl}/api/audit/export`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(exported.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const text = await exported.text();
    expect(text.trim().split('\n')).toHaveLength(9);
    for (const secret of [ADMIN_TOKEN, ...Object.values(tokens)]) expect(text).not.toContain(secret);
    expect(text.match(TOKEN_PATTERN)).toBeNull();
  });
});

describe('policy file (AMPGATE_POLICY_FILE)', () => {
  it('applies the file; a broken file stops startup with a clear error before the database is opened', async () => {
    const dir = tempDir();
    const file = join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ requiredApprovals: { medium: 2 }, expiry: { defaultMinutes: 5, maxMinutes: 60 } }));
    const s = (server = await startTestServer({ policyFile: file }, dir, { registerFleetExecutors: false }));
    for (const n of [1, 2, 3]) addAgent(s.registry, n);
    s.changes.registerExecutor(new TestExecutor(testDb(s), s.registry));
    const alice = s.apiTokens.create('alice', 'proposer').secret;
    const { body } = await s.api<{ request: ChangeRequest }>('POST', '/api/changes', proposal, alice);
    expect(body.request).toMatchObject({ risk: 'medium', requiredApprovals: 2 });
    expect(Date.parse(body.request.expiresAt) - Date.parse(body.request.createdAt)).toBe(5 * 60_000);
    expect((await s.api<Err>('POST', '/api/changes', { ...proposal, params: { note: 'x' }, expiresInMinutes: 61 }, alice)).body.error.message).toMatch(
      /at most 60 minutes/,
    );

    const badDir = tempDir();
    const bad = join(badDir, 'policy.json');
    writeFileSync(bad, JSON.stringify({ requiredApprovals: { high: 'two' } }));
    const err = await startTestServer({ policyFile: bad }, badDir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyError);
    expect((err as Error).message).toMatch(/invalid policy in .*policy.json: requiredApprovals\.high/);
    expect(existsSync(join(badDir, 'ampgate.db'))).toBe(false);
    removeDir(badDir);
  });
});

describe('selectors with exclusions and health', () => {
  const health = (s: TestServer, n: number, healthy: boolean) => s.registry.report(uid(n), create(AgentToServerSchema, { health: { healthy } }), 'ws');

  it('proposes exactly the agents a negated, health-filtered selector names; the approval binds that selector', async () => {
    const { s, tokens } = await setup();
    addAgent(s.registry, 4, { 'service.name': 'payments', 'deployment.environment': 'prod' });
    health(s, 1, false);
    health(s, 2, true);
    health(s, 3, false);
    health(s, 4, false);
    const target = { selector: 'service.name!=payments,healthy=false' };
    const bySelector = await s.api<{ request: ChangeRequest }>('POST', '/api/changes', { ...proposal, target }, tokens.alice);
    expect(bySelector.status).toBe(201);
    expect(bySelector.body.request.targets).toEqual([uid(1), uid(3)]);
    expect(bySelector.body.request.target).toEqual(target);
    // The same agents by uid are another request with another fingerprint: the approval covers the selector.
    const byUid = await s.api<{ request: ChangeRequest }>('POST', '/api/changes', { ...proposal, target: { agents: [uid(3), uid(1)] } }, tokens.alice);
    expect(byUid.status).toBe(201);
    expect(byUid.body.request.targets).toEqual([uid(1), uid(3)]);
    expect(byUid.body.request.fingerprint).not.toBe(bySelector.body.request.fingerprint);

    const listed = await s.api<{ total: number; agents: Array<{ uid: string }> }>(
      'GET',
      `/api/agents?selector=${encodeURIComponent('healthy=false')}`,
      undefined,
      tokens.vera,
    );
    expect(listed.body.agents.map((a) => a.uid)).toEqual([uid(1), uid(3), uid(4)]);
    const bad = await s.api<Err>('POST', '/api/changes', { ...proposal, target: { selector: 'healthy=maybe' } }, tokens.alice);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/healthy takes true or false/);

    // Health was resolved when the request was planned: agent 1 recovering is drift, and nothing runs.
    health(s, 1, true);
    const approve = await s.api<Err>(
      'POST',
      `/api/changes/${bySelector.body.request.id}/approve`,
      { fingerprint: bySelector.body.request.fingerprint },
      tokens.bob,
    );
    expect(approve.status).toBe(409);
    expect(approve.body.error.message).toMatch(/target set changed: \+0 -1/);
  });
});
