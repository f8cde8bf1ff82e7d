/**
 * /healthz, the agent listing, the console summary and the metrics gauge tell one story about
 * connected agents, also across a server restart. HTTP polling has no connection to lose: an HTTP
 * agent that polled within its liveness window stays connected through the restart (everywhere),
 * until it misses 3 polls; a WebSocket agent is offline (everywhere) until it reconnects.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentToServerSchema } from '../../src/gen/opamp/v1/opamp_pb.js';
import { newUuidV7Bytes, uidToString } from '../../src/protocol/uid.js';
import { ENROLLMENT_TOKEN, eventually, removeDir, startTestServer, tempDir, type TestServer } from '../support/server.js';
import { DEFAULT_CAPS, kv, TestAgent } from '../support/ws-agent.js';

let server: TestServer | undefined;
let dir: string | undefined;
const agents: TestAgent[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
  await server?.stop();
  server = undefined;
  if (dir) removeDir(dir);
  dir = undefined;
});

/** A plain-HTTP OpAMP agent: one POST per poll. */
class HttpAgent {
  readonly uid = newUuidV7Bytes();
  seq = 0n;
  async poll(s: TestServer): Promise<void> {
    this.seq++;
    const first = this.seq === 1n;
    const msg = create(AgentToServerSchema, {
      instanceUid: this.uid,
      sequenceNum: this.seq,
      capabilities: DEFAULT_CAPS,
      ...(first
        ? { agentDescription: { identifyingAttributes: kv({ 'service.name': 'poller' }), nonIdentifyingAttributes: [] }, health: { healthy: true } }
        : {}),
    });
    const res = await fetch(s.opampUrl.http, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf', Authorization: `Bearer ${ENROLLMENT_TOKEN}` },
      body: toBinary(AgentToServerSchema, msg),
    });
    expect(res.status).toBe(200);
  }
  get uidText(): string {
    return uidToString(this.uid);
  }
}

/** Connected agents as each view reports them. */
async function views(s: TestServer): Promise<{ healthz: number; listed: string[]; summary: number; gauge: number }> {
  const healthz = (await s.api<{ agents: { connected: number } }>('GET', '/healthz', undefined, null)).body.agents.connected;
  const listed = (await s.api<{ agents: Array<{ uid: string }> }>('GET', '/api/agents?connected=true')).body.agents.map((a) => a.uid);
  const summary = (await s.api<{ agents: { connected: number } }>('GET', '/api/summary')).body.agents.connected;
  const metrics = await (await fetch(`${s.controlUrl}/metrics`)).text();
  const gauge = Number(/^ampgate_agents_connected (\d+)$/m.exec(metrics)![1]);
  return { healthz, listed: listed.sort(), summary, gauge };
}

function agreeOn(v: Awaited<ReturnType<typeof views>>, uids: string[]): void {
  expect(v.listed).toEqual([...uids].sort());
  expect({ healthz: v.healthz, summary: v.summary, gauge: v.gauge }).toEqual({ healthz: uids.length, summary: uids.length, gauge: uids.length });
}

describe('connected agents across a restart', () => {
  it('agree in /healthz, listings, the summary and /metrics; HTTP agents stay connected through a restart until they miss 3 polls', async () => {
    dir = tempDir();
    const settings = { heartbeatSeconds: 1 }; // liveness window: 3 s
    server = await startTestServer(settings, dir);
    const poller = new HttpAgent();
    await poller.poll(server);
    const ws = new TestAgent({ url: server.opampUrl.ws, token: ENROLLMENT_TOKEN });
    agents.push(ws);
    await ws.start();
    agreeOn(await views(server), [poller.uidText, ws.uidText]);

    await ws.close();
    await eventually(async () => (await views(server!)).healthz === 1);
    agreeOn(await views(server), [poller.uidText]);

    // Restart: before the HTTP agent polls again, every view already lists it as connected.
    await server.stop();
    server = await startTestServer(settings, dir);
    agreeOn(await views(server), [poller.uidText]);
    await poller.poll(server);
    agreeOn(await views(server), [poller.uidText]);

    // A WebSocket agent reconnecting after the restart is connected everywhere at once.
    const back = new TestAgent({ url: server.opampUrl.ws, token: ENROLLMENT_TOKEN, uid: ws.uid });
    agents.push(back);
    await back.start();
    agreeOn(await views(server), [poller.uidText, ws.uidText]);

    // The HTTP agent stops polling: after 3 missed polls it is offline in every view together.
    await eventually(async () => (await views(server!)).listed.length === 1, 10_000, 100);
    agreeOn(await views(server), [ws.uidText]);
  }, 30_000);

  it('does not keep an HTTP agent connected through a restart when its last poll is older than its window', async () => {
    dir = tempDir();
    server = await startTestServer({ heartbeatSeconds: 1 }, dir);
    const poller = new HttpAgent();
    await poller.poll(server);
    await server.stop();
    await new Promise((r) => setTimeout(r, 3_200));
    server = await startTestServer({ heartbeatSeconds: 1 }, dir);
    agreeOn(await views(server), []);
    await poller.poll(server);
    agreeOn(await views(server), [poller.uidText]);
  }, 30_000);
});
