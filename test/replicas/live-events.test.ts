/**
 * The console's live stream (/api/events) on one replica shows what happens on another: a request
 * proposed and then cancelled on replica 1 reaches a stream opened on replica 2 through the
 * store's change feed (npm run test:pg only).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../src/changes/types.js';
import { api, token } from '../support/crash.js';
import { collectorConfig } from '../support/fleet-fixtures.js';
import { testPgUrl } from '../support/pg.js';
import { startReplicas } from '../support/replicas.js';
import type { ServerProcess } from '../support/process.js';
import { LeanAgent } from '../support/lean-agents.js';
import { ADMIN_TOKEN, ENROLLMENT_TOKEN, eventually } from '../support/server.js';

const servers: ServerProcess[] = [];
const aborts: AbortController[] = [];
const agents: LeanAgent[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) a.stop();
  for (const a of aborts.splice(0)) a.abort();
  await Promise.all(servers.splice(0).map((s) => s.kill('SIGTERM').catch(() => undefined)));
});

/** Reads an SSE stream into a list of { event, data } as they arrive. */
async function openStream(url: string): Promise<Array<{ event: string; data: Record<string, unknown> }>> {
  const ac = new AbortController();
  aborts.push(ac);
  const res = await fetch(url, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` }, signal: ac.signal });
  expect(res.status).toBe(200);
  const seen: Array<{ event: string; data: Record<string, unknown> }> = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buf += value;
      let end = buf.indexOf('\n\n');
      while (end >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) seen.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        end = buf.indexOf('\n\n');
      }
    }
  })();
  return seen;
}

describe.skipIf(testPgUrl() === undefined)('live events across replicas', () => {
  it("a stream on replica 2 shows replica 1's proposal and its cancellation", async () => {
    await startReplicas(2, 'events', servers);
    const [r1, r2] = servers as [ServerProcess, ServerProcess];
    const seen = await openStream(`${r2.controlUrl}/api/events`);
    await eventually(() => seen.some((e) => e.event === 'hello'));

    // One agent, held by replica 2, so that the push has a target.
    const agent = new LeanAgent({ url: r2.opampWs, token: ENROLLMENT_TOKEN, identifying: { 'service.name': 'live' } });
    agents.push(agent);
    await agent.connect();
    const proposer = await token(r1, 'proposer', 'proposer');
    await eventually(async () => (await api<{ connected: boolean }>(r1, 'GET', `/api/agents/${agent.uidText}`)).body.connected, 10_000);
    expect((await api(r1, 'POST', '/api/configs', { name: 'live', body: collectorConfig('otlp') })).status).toBe(201);
    const proposed = await api<{ request: ChangeRequest }>(
      r1,
      'POST',
      '/api/changes',
      { kind: 'config_push', target: { selector: 'service.name=live' }, params: { config: 'live' }, reason: 'live events test' },
      proposer,
    );
    expect(proposed.status, JSON.stringify(proposed.body)).toBe(201);
    const id = proposed.body.request.id;
    await eventually(() => seen.some((e) => e.event === 'change' && e.data.id === id && e.data.state === 'pending'), 10_000);

    expect((await api(r1, 'POST', `/api/changes/${id}/cancel`, { comment: 'not now' }, proposer)).status).toBe(200);
    await eventually(() => seen.some((e) => e.event === 'change' && e.data.id === id && e.data.state === 'cancelled'), 10_000);
  });
});
