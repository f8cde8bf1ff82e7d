/**
 * Soak: 5,000 agents drop and reconnect at once, five times, against an in-process server (the
 * agents are lean raw-WebSocket clients in the same process, so this is also a test of the whole
 * machine: 10,000 sockets). The registry stays consistent after every round; /healthz latency is
 * reported, and only a generous bound is asserted (answering at all, within 10 s).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { reconnectStorm } from '../support/storm.js';

const AGENTS = Number(process.env.AMPGATE_SOAK_STORM_AGENTS ?? 5_000);
const ROUNDS = Number(process.env.AMPGATE_SOAK_STORM_ROUNDS ?? 5);

let server: TestServer | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('soak: reconnect storm', () => {
  it(`keeps the registry consistent through ${ROUNDS} rounds of ${AGENTS} agents`, async () => {
    server = await startTestServer({ connectRate: 100_000, connectBurst: 100_000, maxConnectionsPerSource: 0, maxConnections: AGENTS * 2 });
    const report = await reconnectStorm(server, { agents: AGENTS, rounds: ROUNDS, settleTimeoutMs: 120_000 });
    console.log('soak storm', JSON.stringify({ ...report, healthz: { ...report.healthz, failures: report.healthz.failures.slice(0, 5) } }));
    expect(report.healthz.failures).toEqual([]);
    expect(report.healthz.max).toBeLessThan(10_000);
  });
});
