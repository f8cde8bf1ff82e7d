/**
 * Interop with a real third-party OpAMP client: @elastic/opamp-client-node (plain HTTP transport),
 * next to our own WebSocket test agent, against a real `ampgate serve` process, including a
 * restart of that process against the same database.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentCapabilities, createOpAMPClient, DIAG_CH_SEND_SUCCESS } from '@elastic/opamp-client-node';
import type { AgentSummary } from '../../src/api/views.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { ADMIN_TOKEN, apiCall, ENROLLMENT_TOKEN, eventually, removeDir, tempDir } from '../support/server.js';
import { TestAgent } from '../support/ws-agent.js';

type OpAMPClient = ReturnType<typeof createOpAMPClient>;

const clients: OpAMPClient[] = [];
const agents: TestAgent[] = [];
let proc: ServerProcess | undefined;
let dir: string | undefined;

afterEach(async () => {
  for (const c of clients.splice(0)) await c.shutdown().catch(() => {});
  for (const a of agents.splice(0)) await a.close();
  await proc?.kill();
  proc = undefined;
  if (dir) removeDir(dir);
  dir = undefined;
});

function env(dbDir: string): Record<string, string> {
  return {
    AMPGATE_DB: join(dbDir, 'ampgate.db'),
    AMPGATE_OPAMP_LISTEN: '127.0.0.1:0',
    AMPGATE_CONTROL_LISTEN: '127.0.0.1:0',
    AMPGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    AMPGATE_ENROLLMENT_TOKEN: ENROLLMENT_TOKEN,
  };
}

function elasticClient(endpoint: string, instanceUid?: Uint8Array): OpAMPClient {
  const client = createOpAMPClient({
    endpoint,
    headers: { Authorization: `Bearer ${ENROLLMENT_TOKEN}` },
    instanceUid,
    capabilities: BigInt(AgentCapabilities.AgentCapabilities_AcceptsRemoteConfig!) | BigInt(AgentCapabilities.AgentCapabilities_ReportsRemoteConfig!),
    heartbeatIntervalSeconds: 0.2,
    diagEnabled: true,
  });
  client.setAgentDescription({
    identifyingAttributes: { 'service.name': 'elastic-node-agent', 'service.version': '1.2.3' },
    nonIdentifyingAttributes: { 'os.type': 'linux', 'host.name': 'interop-host' },
  });
  clients.push(client);
  return client;
}

async function agentsList(base: string): Promise<AgentSummary[]> {
  return (await apiCall<{ agents: AgentSummary[] }>(base, 'GET', '/api/agents')).body.agents;
}

describe('interop: @elastic/opamp-client-node over HTTP and our WebSocket agent', () => {
  it('both connect, report and appear with their attributes and capabilities, and survive a server restart', async () => {
    dir = tempDir();
    proc = await spawnServer(env(dir));

    let successes = 0;
    const onSuccess = () => void successes++;
    subscribe(DIAG_CH_SEND_SUCCESS, onSuccess);
    try {
      const elastic = elasticClient(proc.opampHttp);
      elastic.start();
      const ws = new TestAgent({ url: proc.opampWs, token: ENROLLMENT_TOKEN, identifying: { 'service.name': 'ws-agent' } });
      agents.push(ws);
      await ws.start();

      const list = await eventually(async () => {
        const l = await agentsList(proc!.controlUrl);
        return l.length === 2 && l.every((a) => a.connected) ? l : undefined;
      }, 10_000);
      const e = list.find((a) => a.transport === 'http')!;
      expect(e.identifyingAttributes).toEqual({ 'service.name': 'elastic-node-agent', 'service.version': '1.2.3' });
      expect(e.nonIdentifyingAttributes).toEqual({ 'os.type': 'linux', 'host.name': 'interop-host' });
      expect(e.capabilities).toEqual(expect.arrayContaining(['ReportsStatus', 'AcceptsRemoteConfig', 'ReportsRemoteConfig', 'ReportsHeartbeat']));
      const w = list.find((a) => a.transport === 'ws')!;
      expect(w.uid).toBe(ws.uidText);
      expect(w.identifyingAttributes['service.name']).toBe('ws-agent');
      // The Elastic client keeps polling successfully (heartbeats every 200 ms).
      await eventually(() => successes >= 3, 10_000);

      // Restart the server process against the same database.
      const elasticUid = e.uid;
      const uidBytes = elastic.getInstanceUid();
      await elastic.shutdown();
      clients.splice(clients.indexOf(elastic), 1);
      await ws.close();
      const stopped = await proc.kill('SIGTERM');
      expect(stopped.code).toBe(0); // graceful shutdown
      proc = await spawnServer(env(dir));

      const afterRestart = await agentsList(proc.controlUrl);
      expect(afterRestart.map((a) => a.uid).sort()).toEqual([elasticUid, ws.uidText].sort());
      // The WebSocket connection ended with the old process. The HTTP client has no connection to
      // lose: it polled within its liveness window (3 heartbeats) and never said goodbye (the
      // Elastic client sends no agent_disconnect), so it is connected, as it would be had the
      // server not restarted, until it misses 3 polls.
      expect(afterRestart.find((a) => a.uid === ws.uidText)!.connected).toBe(false);
      expect(afterRestart.find((a) => a.uid === elasticUid)!.connected).toBe(true);

      // Both re-attach to their stored records.
      const elastic2 = elasticClient(proc.opampHttp, uidBytes);
      elastic2.start();
      const ws2 = new TestAgent({ url: proc.opampWs, token: ENROLLMENT_TOKEN, uid: ws.uid, identifying: { 'service.name': 'ws-agent' } });
      agents.push(ws2);
      ws2.seq = ws.seq;
      await ws2.connect();
      await ws2.heartbeat();
      const reattached = await eventually(async () => {
        const l = await agentsList(proc!.controlUrl);
        return l.length === 2 && l.every((a) => a.connected) ? l : undefined;
      }, 10_000);
      expect(reattached.find((a) => a.uid === elasticUid)?.identifyingAttributes['service.name']).toBe('elastic-node-agent');
    } finally {
      unsubscribe(DIAG_CH_SEND_SUCCESS, onSuccess);
    }
  });

  it('refuses the Elastic client without a token (401) and accepts it with one', async () => {
    dir = tempDir();
    proc = await spawnServer(env(dir));
    const res = await fetch(proc.opampHttp, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: new Uint8Array(0) });
    expect(res.status).toBe(401);
    elasticClient(proc.opampHttp).start();
    await eventually(async () => (await agentsList(proc!.controlUrl)).length === 1, 10_000);
  });
});
