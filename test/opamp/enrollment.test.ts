/**
 * Enrollment tokens can be rotated and retired: a new one works at once, a revoked one gets 401,
 * and a server whose operator revoked every enrollment token does not mint a new one on restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../src/app/server.js';
import { loadSettings } from '../../src/config.js';
import { ADMIN_TOKEN, ENROLLMENT_TOKEN, removeDir, startTestServer, tempDir, type TestServer } from '../support/server.js';
import { TestAgent } from '../support/ws-agent.js';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { AgentToServerSchema } from '../../src/gen/opamp/v1/opamp_pb.js';
import { newUuidV7Bytes } from '../../src/protocol/uid.js';

let server: TestServer | undefined;
const agents: TestAgent[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
  await server?.stop();
  server = undefined;
});

function agent(token: string): TestAgent {
  const a = new TestAgent({ url: server!.opampUrl.ws, token });
  agents.push(a);
  return a;
}

describe('enrollment tokens', () => {
  it('rotates: a new token works, the revoked one gets 401, agents with their own session keep going', async () => {
    const dir = tempDir();
    server = await startTestServer({}, dir);
    const connected = agent(ENROLLMENT_TOKEN);
    await connected.start();
    const created = await server.api<{ token: { id: string; fingerprint: string }; secret: string }>('POST', '/api/enrollment-tokens');
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^ampe_/);
    await agent(created.body.secret).start();

    const list = await server.api<{ tokens: Array<{ id: string; fingerprint: string; revokedAt: string | null }> }>('GET', '/api/enrollment-tokens');
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);
    const old = list.body.tokens.find((t) => t.id !== created.body.token.id)!;
    expect((await server.api('DELETE', `/api/enrollment-tokens/${old.id}`)).status).toBe(200);
    await expect(agent(ENROLLMENT_TOKEN).connect()).rejects.toMatchObject({ status: 401 });
    expect((await connected.heartbeat()).errorResponse).toBeUndefined(); // an open connection is not cut
    expect((await server.api('DELETE', `/api/enrollment-tokens/${old.id}`)).status).toBe(404);
    expect((await server.api('POST', '/api/enrollment-tokens', undefined, null)).status).toBe(401);
    removeDir(dir);
  });

  it('a revoked token is refused on the very next request, although the polls before it were answered from the verified-token cache', async () => {
    const dir = tempDir();
    server = await startTestServer({}, dir);
    const created = await server.api<{ token: { id: string }; secret: string }>('POST', '/api/enrollment-tokens');
    const secret = created.body.secret;
    const body = toBinary(AgentToServerSchema, create(AgentToServerSchema, { instanceUid: newUuidV7Bytes(), sequenceNum: 0n, capabilities: 1n }));
    const poll = async (token: string) =>
      (
        await fetch(server!.opampUrl.http, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-protobuf', Authorization: `Bearer ${token}` },
          body,
        })
      ).status;
    for (let i = 0; i < 3; i++) expect(await poll(secret)).toBe(200);
    await agent(secret).start(); // the WebSocket upgrade verified it too
    expect((await server.api('DELETE', `/api/enrollment-tokens/${created.body.token.id}`)).status).toBe(200);
    expect(await poll(secret)).toBe(401);
    await expect(agent(secret).connect()).rejects.toMatchObject({ status: 401 });
    expect(await poll(ENROLLMENT_TOKEN)).toBe(200); // other tokens are verified again, not refused

    // A per-agent token revoked in-process (as a failed rotation does): refused on the next poll.
    const own = server.credentials.add('agent_token', 'ampa_revoked-in-process-test-token-0000000000000000', undefined);
    expect(await poll('ampa_revoked-in-process-test-token-0000000000000000')).toBe(200);
    expect(server.credentials.revoke(own.id)).toBe(true);
    expect(await poll('ampa_revoked-in-process-test-token-0000000000000000')).toBe(401);
    removeDir(dir);
  });

  it('is not re-minted on restart once the operator has revoked them all', async () => {
    const dir = tempDir();
    const settings = loadSettings(
      {},
      { opampListen: '127.0.0.1:0', controlListen: '127.0.0.1:0', dbPath: join(dir, 'a.db'), logLevel: 'silent', adminToken: ADMIN_TOKEN },
    );
    const printed: string[] = [];
    let s = await startServer(settings, { print: (l) => printed.push(l) });
    expect(printed.filter((l) => l.includes('enrollment token'))).toHaveLength(1);
    for (const t of s.credentials.ofKind('enrollment')) s.credentials.revoke(t.id);
    await s.stop();
    printed.length = 0;
    s = await startServer(settings, { print: (l) => printed.push(l) });
    expect(printed.filter((l) => l.includes('enrollment token'))).toHaveLength(0);
    expect(s.credentials.activeCount('enrollment')).toBe(0);
    await s.stop();
    removeDir(dir);
  });
});
