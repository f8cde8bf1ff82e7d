/**
 * Reconnect storm, small: 500 agents drop and reconnect at once, five times (the soak suite runs
 * 5,000). The registry stays consistent after every round and /healthz keeps answering. Admission
 * limits are raised so the storm reaches the registry; refused connects are retried anyway.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { reconnectStorm } from '../support/storm.js';

let server: TestServer | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('reconnect storm', () => {
  it('keeps the registry consistent (no duplicates, no ghosts) and the control plane answering through 5 rounds of 500 agents', async () => {
    server = await startTestServer({ connectRate: 100_000, connectBurst: 100_000, maxConnectionsPerSource: 0 });
    const report = await reconnectStorm(server, { agents: 500, rounds: 5 });
    console.log('storm', JSON.stringify({ ...report, healthz: { ...report.healthz, failures: report.healthz.failures.length } }));
    expect(report.roundMs).toHaveLength(5);
    expect(report.healthz.failures).toEqual([]);
    expect(report.healthz.samples).toBeGreaterThan(0);
  }, 120_000);
});
