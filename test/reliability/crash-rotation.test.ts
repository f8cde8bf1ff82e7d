/**
 * kill -9 of `ampgate serve` (TLS, token auth) during a credential rotation approved through REST.
 * At the kill, agent A has switched to its new token (its rotation finished) while B and C hold
 * offers they have not acted on; the new secrets existed only in the dead process's memory. After a
 * restart on the same database: A is not rotated again, B and C are offered a fresh credential
 * once each (the lost one is revoked), the request succeeds, every final credential works, the
 * shared enrollment token still works, and no approval or audit row is lost.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../src/changes/types.js';
import type { AgentCredentialsResponse } from '../../src/api/routes/agent-credentials.js';
import { CONN_SETTINGS_CAPS, ConnectionSettingsBehaviour } from '../support/conn-settings-agent.js';
import { api, auditRows, crashEnv, finished, lostAuditRows, startServerProcess, token, verifyAuditOffline } from '../support/crash.js';
import { tlsFixture } from '../support/creds.js';
import type { ServerProcess } from '../support/process.js';
import { ENROLLMENT_TOKEN, eventually, removeDir, tempDir } from '../support/server.js';
import { DEFAULT_CAPS, TestAgent } from '../support/ws-agent.js';

let dir: string | undefined;
let server: ServerProcess | undefined;
const agents: TestAgent[] = [];

afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
  await server?.kill('SIGTERM');
  server = undefined;
  if (dir) removeDir(dir);
  dir = undefined;
});

interface Tracked {
  readonly agent: TestAgent;
  readonly cs: ConnectionSettingsBehaviour;
  /** Connection-settings offers per WebSocket (one entry per connection that got any). */
  readonly perSocket: Map<unknown, number>;
}

function track(url: string, ca: string, mode: 'apply' | 'never'): Tracked {
  const agent = new TestAgent({ url, token: ENROLLMENT_TOKEN, capabilities: DEFAULT_CAPS | CONN_SETTINGS_CAPS, wsOptions: { ca } });
  agents.push(agent);
  const perSocket = new Map<unknown, number>();
  agent.handlers.push((a, msg) => {
    if (msg.connectionSettings?.opamp) perSocket.set(a.socket, (perSocket.get(a.socket) ?? 0) + 1);
  });
  return { agent, cs: new ConnectionSettingsBehaviour(agent, { mode }), perSocket };
}

const offeredToken = (t: Tracked, i: number) =>
  t.cs.offers[i]!.settings.headers!.headers.find((h) => h.key.toLowerCase() === 'authorization')!.value.replace(/^Bearer /, '');

async function reconnect(a: TestAgent): Promise<void> {
  await eventually(
    async () => {
      try {
        await a.connect();
        await a.sendFull();
        return true;
      } catch {
        return false;
      }
    },
    30_000,
    100,
  );
}

describe('crash safety: kill -9 during a credential rotation', () => {
  it('resumes after a restart: finished rotations stay done, lost offers are replaced once, nothing is lost', async () => {
    dir = tempDir();
    const fx = await tlsFixture(dir);
    const ca = fx.ca.certPem;
    const env = await crashEnv(dir, { AMPGATE_TLS_CERT: fx.certFile, AMPGATE_TLS_KEY: fx.keyFile });
    server = await startServerProcess(env);
    const A = track(server.opampWs, ca, 'apply');
    const B = track(server.opampWs, ca, 'never');
    const C = track(server.opampWs, ca, 'never');
    for (const t of [A, B, C]) await t.agent.start();

    const proposer = await token(server, 'proposer', 'proposer');
    const approvers = [await token(server, 'approver-1', 'approver'), await token(server, 'approver-2', 'approver')];
    const proposed = await api<{ request: ChangeRequest }>(
      server,
      'POST',
      '/api/changes',
      {
        kind: 'rotate_credentials',
        target: { agents: [A, B, C].map((t) => t.agent.uidText) },
        params: { credential: 'token', reconnectTimeoutSeconds: 120 },
        reason: 'crash test rotation',
      },
      proposer,
    );
    expect(proposed.status).toBe(201);
    const id = proposed.body.request.id;
    for (const t of approvers)
      expect((await api(server, 'POST', `/api/changes/${id}/approve`, { fingerprint: proposed.body.request.fingerprint }, t)).status).toBe(200);

    // A switches and its rotation completes; B and C sit on their offers.
    await eventually(() => A.cs.applied.length === 1 && B.cs.offers.length === 1 && C.cs.offers.length === 1, 20_000);
    const rotationOf = async (t: Tracked) =>
      (await api<AgentCredentialsResponse>(server!, 'GET', `/api/agents/${t.agent.uidText}/credentials`)).body.rotations[0];
    await eventually(async () => (await rotationOf(A))?.state === 'rotated', 20_000);
    const before = (await api<ChangeRequest>(server, 'GET', `/api/changes/${id}`)).body;
    expect(before.state).toBe('executing');
    const auditBefore = await auditRows(server);
    const lost = [offeredToken(B, 0), offeredToken(C, 0)];

    await server.kill('SIGKILL');
    await Promise.all([A, B, C].map((t) => t.agent.closed()));
    B.cs.opts.mode = 'apply';
    C.cs.opts.mode = 'apply';
    server = await startServerProcess(env);
    for (const t of [A, B, C]) await reconnect(t.agent); // A with its new token, B and C with the enrollment token

    const after = await finished<ChangeRequest>(server, id, 60_000);
    expect(after.state).toBe('succeeded');
    await eventually(() => B.cs.applied.length === 1 && C.cs.applied.length === 1, 20_000);

    // Nothing twice: A got one offer in all; B and C one per connection, two in all, two different tokens.
    expect(A.cs.offers).toHaveLength(1);
    for (const t of [B, C]) {
      expect(t.cs.offers).toHaveLength(2);
      expect([...t.perSocket.values()]).toEqual([1, 1]);
      expect(offeredToken(t, 1)).not.toBe(offeredToken(t, 0));
      expect(await rotationOf(t)).toMatchObject({ state: 'rotated', attempt: 2 });
    }
    expect(await rotationOf(A)).toMatchObject({ state: 'rotated', attempt: 1 });

    // The lost tokens are revoked; the final ones are what the agents use; enrollment still works.
    for (const secret of lost) {
      const probe = new TestAgent({ url: server.opampWs, token: secret, wsOptions: { ca } });
      await expect(probe.connect()).rejects.toMatchObject({ status: 401 });
    }
    for (const t of [A, B, C]) {
      const view = (await api<AgentCredentialsResponse>(server, 'GET', `/api/agents/${t.agent.uidText}/credentials`)).body;
      expect(view.currentAuth?.credential).toMatchObject({ kind: 'agent_token', status: 'active' });
      expect((await t.agent.heartbeat()).errorResponse).toBeUndefined();
    }
    const fresh = new TestAgent({ url: server.opampWs, token: ENROLLMENT_TOKEN, wsOptions: { ca } });
    agents.push(fresh);
    await fresh.start();

    // Approvals and audit rows survived; the chain verifies online and offline.
    expect(after.approvals.map((a) => a.principal.id)).toEqual(before.approvals.map((a) => a.principal.id));
    const auditAfter = await auditRows(server);
    expect(lostAuditRows(auditBefore, auditAfter)).toEqual([]);
    expect(auditAfter.some((e) => e.action === 'change.execution_resumed' && e.requestId === id)).toBe(true);
    expect((await api<{ ok: boolean }>(server, 'GET', '/api/audit/verify')).body.ok).toBe(true);
    for (const a of agents.splice(0)) await a.close();
    await server.kill('SIGTERM');
    server = undefined;
    const offline = await verifyAuditOffline(env.AMPGATE_DB!);
    expect(offline.code, offline.out).toBe(0);
  }, 120_000);
});
