/**
 * Half-open WebSocket reaping: every socket is pinged once per AMPGATE_WS_PING_INTERVAL_MS (spread
 * over the interval in slices), a socket that did not answer its previous ping is terminated and
 * its agent goes offline; sockets that answer stay up.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ENROLLMENT_TOKEN, eventually, startTestServer, type TestServer } from '../support/server.js';
import { TestAgent } from '../support/ws-agent.js';

let server: TestServer | undefined;
const agents: TestAgent[] = [];

afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
  await server?.stop();
  server = undefined;
});

describe('WebSocket ping/pong reaping', () => {
  it('terminates sockets that stop answering pings and keeps the ones that answer', async () => {
    server = await startTestServer({ pingIntervalMs: 300 });
    const make = (autoPong: boolean) => {
      const a = new TestAgent({ url: server!.opampUrl.ws, token: ENROLLMENT_TOKEN, wsOptions: { autoPong } });
      agents.push(a);
      return a;
    };
    const healthy = Array.from({ length: 6 }, () => make(true));
    const deaf = Array.from({ length: 6 }, () => make(false)); // like a peer that vanished: no pongs, no messages
    for (const a of [...healthy, ...deaf]) await a.start();
    expect(server.registry.connectedCount).toBe(12);

    // Within two intervals each deaf socket is pinged once, misses it, and is terminated.
    await eventually(() => deaf.every((a) => a.closeCode !== undefined), 3_000);
    await eventually(() => server!.registry.connectedCount === 6, 2_000);
    for (const a of deaf) expect(server.registry.get(a.uidText)?.connected).toBe(false);

    // The answering ones survive several more intervals.
    await new Promise((r) => setTimeout(r, 1_200));
    for (const a of healthy) {
      expect(a.closeCode).toBeUndefined();
      expect(server.registry.get(a.uidText)?.connected).toBe(true);
    }
    const metrics = await (await fetch(`${server.controlUrl}/metrics`)).text();
    expect(metrics).toMatch(/ampgate_opamp_errors_total\{reason="ping_timeout"\} 6/);
  });
});
