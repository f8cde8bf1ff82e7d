/**
 * After a crash the stored agent records come from batched writes and may miss an agent's last
 * reports (an APPLIED after an APPLYING). An agent that only reconnects continues its sequence as
 * if nothing happened (opamp-go's client does, under the Collector's Supervisor), so the server
 * asks it for its full state once. After a clean stop the records are complete: no request, no
 * full-state storm.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ServerToAgentFlags } from '../../src/gen/opamp/v1/opamp_pb.js';
import { crashEnv, startServerProcess } from '../support/crash.js';
import type { ServerProcess } from '../support/process.js';
import { ENROLLMENT_TOKEN, tempDir } from '../support/server.js';
import { TestAgent } from '../support/ws-agent.js';

const FULL_STATE = BigInt(ServerToAgentFlags.ServerToAgentFlags_ReportFullState);
const servers: ServerProcess[] = [];
const agents: TestAgent[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) await a.close();
  await Promise.all(servers.splice(0).map((s) => s.kill('SIGKILL').catch(() => undefined)));
});

async function reconnectAfter(signal: NodeJS.Signals): Promise<bigint> {
  const env = await crashEnv(tempDir());
  let server = await startServerProcess(env);
  servers.push(server);
  const first = new TestAgent({ url: server.opampWs, token: ENROLLMENT_TOKEN, identifying: { 'service.name': 'seq' } });
  agents.push(first);
  await first.start();
  await first.heartbeat();
  await server.kill(signal);
  server = await startServerProcess(env);
  servers.push(server);
  // The same agent reconnects and goes on with its next sequence number, without its full state.
  const again = new TestAgent({ url: server.opampWs, token: ENROLLMENT_TOKEN, uid: first.uid, identifying: { 'service.name': 'seq' } });
  agents.push(again);
  again.seq = first.seq;
  await again.connect();
  return (await again.heartbeat()).flags & FULL_STATE;
}

describe('reconnecting after a server restart', () => {
  it('is asked for its full state after kill -9 of the server', async () => {
    expect(await reconnectAfter('SIGKILL')).toBe(FULL_STATE);
  });

  it('is not asked after a clean stop (the stored records are complete)', async () => {
    expect(await reconnectAfter('SIGTERM')).toBe(0n);
  });
});
