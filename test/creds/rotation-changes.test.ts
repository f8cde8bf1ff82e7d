/**
 * Credential rotation through real change requests over REST: a proposer proposes
 * rotate_credentials, two different approvers approve (rotation is high risk), the engine runs the
 * executor, and the outcomes show fingerprints only. The secret scan covers API responses, the
 * exported audit log and the server's logs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../src/changes/types.js';
import { TOKEN_PATTERN } from '../../src/shared/secrets.js';
import { CONN_SETTINGS_CAPS, ConnectionSettingsBehaviour } from '../support/conn-settings-agent.js';
import { closeRecorded, findSecrets, startRecordedServer, tlsFixture, tlsSettings, type RecordedServer, type TlsFixture } from '../support/creds.js';
import { ADMIN_TOKEN, ENROLLMENT_TOKEN, eventually, personToken } from '../support/server.js';
import { DEFAULT_CAPS, TestAgent } from '../support/ws-agent.js';

let server: RecordedServer | undefined;
let fixture: TlsFixture | undefined;
const agents: TestAgent[] = [];

afterEach(async () => {
  // Closes agents, scans what the server logged and answered for secrets, stops it, removes the fixture.
  await closeRecorded(server, fixture, agents);
  server = undefined;
  fixture = undefined;
});

async function setup() {
  fixture = await tlsFixture();
  server = await startRecordedServer(tlsSettings(fixture, 'token'), fixture.dir);
  // Three people, provisioned outside the recorded client (a token secret is shown once, by design).
  return { alice: personToken(server, 'alice', 'proposer'), bob: personToken(server, 'bob', 'approver'), carol: personToken(server, 'carol', 'approver') };
}

function agent(caps: bigint): { a: TestAgent; cs: ConnectionSettingsBehaviour } {
  const a = new TestAgent({ url: server!.opampUrl.ws, token: ENROLLMENT_TOKEN, capabilities: caps, wsOptions: { ca: fixture!.ca.certPem } });
  agents.push(a);
  return { a, cs: new ConnectionSettingsBehaviour(a) };
}

async function rotate(t: { alice: string; bob: string; carol: string }, targets: string[], params: Record<string, unknown>): Promise<ChangeRequest> {
  const proposed = await server!.api<{ request: ChangeRequest }>(
    'POST',
    '/api/changes',
    { kind: 'rotate_credentials', target: { agents: targets }, params, reason: 'quarterly credential rotation' },
    t.alice,
  );
  expect(proposed.status).toBe(201);
  const req = proposed.body.request;
  expect(req).toMatchObject({ risk: 'high', requiredApprovals: 2, state: 'pending' });
  const first = await server!.api<ChangeRequest>('POST', `/api/changes/${req.id}/approve`, { fingerprint: req.fingerprint }, t.bob);
  expect(first.body.state).toBe('pending'); // one of two
  const second = await server!.api<ChangeRequest>('POST', `/api/changes/${req.id}/approve`, { fingerprint: req.fingerprint }, t.carol);
  expect(['approved', 'executing']).toContain(second.body.state);
  return eventually(async () => {
    const r = await server!.api<ChangeRequest>('GET', `/api/changes/${req.id}`, undefined, t.alice);
    return ['succeeded', 'partially_failed', 'failed'].includes(r.body.state) ? r.body : undefined;
  }, 20_000);
}

describe('rotate_credentials change requests', () => {
  it('rotates after two approvals; lists the incapable agent as ineligible; the old token is then refused; no secret anywhere', async () => {
    const t = await setup();
    const { a, cs } = agent(DEFAULT_CAPS | CONN_SETTINGS_CAPS);
    const { a: legacy } = agent(DEFAULT_CAPS);
    await a.start();
    await legacy.start();

    const proposed = await server!.api<{ request: ChangeRequest }>(
      'POST',
      '/api/changes',
      {
        kind: 'rotate_credentials',
        target: { agents: [a.uidText, legacy.uidText] },
        params: { credential: 'token', reconnectTimeoutSeconds: 10 },
        reason: 'preview only',
      },
      t.alice,
    );
    const preview = proposed.body.request.preview;
    expect(preview.ineligible).toEqual([
      { uid: legacy.uidText, reason: 'manual rotation needed: the agent lacks AcceptsOpAMPConnectionSettings in its latest message' },
    ]);
    expect(preview.details?.[`agent ${a.uidText}`]).toMatch(/^enrollment token …[0-9a-f]{4} -> new token$/);
    await server!.api('POST', `/api/changes/${proposed.body.request.id}/cancel`, {}, t.alice);

    const first = await rotate(t, [a.uidText], { credential: 'token', reconnectTimeoutSeconds: 10 });
    expect(first.state).toBe('succeeded');
    expect(first.outcomes).toHaveLength(1);
    expect(first.outcomes[0]).toMatchObject({ uid: a.uidText, status: 'succeeded' });
    expect(first.outcomes[0]!.detail).toMatch(/^enrollment token …[0-9a-f]{4} -> token …[0-9a-f]{4}: reconnected/);
    const tokenA = cs.offers[0]!.settings.headers!.headers[0]!.value.replace('Bearer ', '');

    const second = await rotate(t, [a.uidText], { credential: 'token', reconnectTimeoutSeconds: 10 });
    expect(second.state).toBe('succeeded');
    expect(second.outcomes[0]!.detail).toMatch(/^token …[0-9a-f]{4} -> token …[0-9a-f]{4}: .*old credential revoked$/);
    const stale = new TestAgent({ url: server!.opampUrl.ws, uid: a.uid, token: tokenA, wsOptions: { ca: fixture!.ca.certPem } });
    agents.push(stale);
    await expect(stale.connect()).rejects.toMatchObject({ status: 401 });

    // The secret scan: API responses (change requests included), the audit log, the logs.
    const audit = await fetch(`${server!.controlUrl}/api/audit/export`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(audit.status).toBe(200);
    const auditText = await audit.text();
    expect(auditText).toContain('change.outcome');
    expect(auditText).toMatch(/token …[0-9a-f]{4} -> token …[0-9a-f]{4}/);
    expect(findSecrets(auditText, TOKEN_PATTERN)).toEqual([]);
    expect(auditText).not.toContain(tokenA);
    expect(findSecrets(server!.responses.join('\n'), TOKEN_PATTERN)).toEqual([]);
    expect(findSecrets(server!.logs.text(), TOKEN_PATTERN)).toEqual([]);
    expect(server!.responses.join('\n')).not.toContain(tokenA);
  });

  it('ends failed with the reason when the agent never reconnects; the old credential keeps working', async () => {
    const t = await setup();
    const { a, cs } = agent(DEFAULT_CAPS | CONN_SETTINGS_CAPS);
    cs.opts.mode = 'never';
    await a.start();
    const done = await rotate(t, [a.uidText], { credential: 'token', reconnectTimeoutSeconds: 1 });
    expect(done.state).toBe('failed');
    expect(done.resultSummary).toMatch(/0 of 1 agent\(s\) rotated; 1 kept their old credential/);
    expect(done.outcomes[0]!.detail).toMatch(
      /^not rotated: did not reconnect with the new credential within 1 s; kept enrollment token …[0-9a-f]{4}, revoked the new token …[0-9a-f]{4}$/,
    );
    await a.close();
    await a.start();
    expect(findSecrets(server!.responses.join('\n') + server!.logs.text(), TOKEN_PATTERN)).toEqual([]);
  });

  it('survives a server restart in the middle of a rotation: the engine resumes it and the agent gets a fresh credential', async () => {
    const t = await setup();
    const { a, cs } = agent(DEFAULT_CAPS | CONN_SETTINGS_CAPS);
    cs.opts.mode = 'never'; // takes no action before the restart
    await a.start();
    const proposed = await server!.api<{ request: ChangeRequest }>(
      'POST',
      '/api/changes',
      { kind: 'rotate_credentials', target: { agents: [a.uidText] }, params: { reconnectTimeoutSeconds: 30 }, reason: 'rotation across a restart' },
      t.alice,
    );
    const id = proposed.body.request.id;
    await server!.api('POST', `/api/changes/${id}/approve`, {}, t.bob);
    await server!.api('POST', `/api/changes/${id}/approve`, {}, t.carol);
    await eventually(() => cs.offers.length === 1);
    await server!.stop();

    server = await startRecordedServer(tlsSettings(fixture!, 'token'), fixture!.dir);
    expect((await server.api<ChangeRequest>('GET', `/api/changes/${id}`, undefined, t.alice)).body.state).toBe('executing');
    cs.opts.mode = 'apply';
    a.opts = { ...a.opts, url: server.opampUrl.ws };
    await a.start(); // back with its old (enrollment) token
    const done = await eventually(async () => {
      const r = await server!.api<ChangeRequest>('GET', `/api/changes/${id}`, undefined, t.alice);
      return r.body.state === 'succeeded' ? r.body : undefined;
    }, 20_000);
    expect(done.outcomes[0]!.detail).toMatch(/^enrollment token …[0-9a-f]{4} -> token …[0-9a-f]{4}: reconnected/);
    expect(cs.offers).toHaveLength(2);
    expect(server.credentialsModule.runtime.rotations.forChange(id)[0]).toMatchObject({ state: 'rotated', attempt: 2 });
    expect(findSecrets(server.responses.join('\n') + server.logs.text(), TOKEN_PATTERN)).toEqual([]);
  });
});
