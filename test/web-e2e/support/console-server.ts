/**
 * A real ampgate for the console tests: a fresh SQLite file, two people who may approve (alice and
 * bob, from test/support/people.ts), and a fleet of lean simulated WebSocket agents with realistic
 * attributes.
 */
import type { SettingsInput } from '../../../src/config.js';
import { inBatches, LeanAgent } from '../../support/lean-agents.js';
import { seedPeople, type People } from '../../support/people.js';
import { ENROLLMENT_TOKEN, removeDir, startTestServer, tempDir, type TestServer } from '../../support/server.js';

export const SERVICES = ['checkout', 'payments', 'search', 'cart', 'frontend'];

/** Attributes of simulated agent `i`: five services, two environments, one host each, five agents per cell. */
export function agentAttributes(i: number): Record<string, string> {
  return {
    'service.name': SERVICES[i % SERVICES.length]!,
    'deployment.environment': i % 2 === 0 ? 'prod' : 'staging',
    'host.name': `host-${String(i).padStart(4, '0')}`,
    cell: `cell-${i % 1000}`,
  };
}

export interface ConsoleServer {
  readonly server: TestServer;
  readonly people: People;
  readonly agents: LeanAgent[];
  stop(): Promise<void>;
}

export async function startConsoleServer(agentCount: number, overrides: Partial<SettingsInput> = {}, applyDelayMs = 1500): Promise<ConsoleServer> {
  const dir = tempDir('ampgate-web-');
  const { people, policyFile } = seedPeople(dir);
  // Every simulated agent connects from 127.0.0.1, so the per-source connection cap is off here.
  const server = await startTestServer({ policyFile, maxConnectionsPerSource: 0, connectRate: 5000, connectBurst: 10000, apiRate: 0, ...overrides }, dir);
  const agents = Array.from(
    { length: agentCount },
    (_, i) => new LeanAgent({ url: server.opampUrl.ws, token: ENROLLMENT_TOKEN, identifying: agentAttributes(i), applyDelayMs }),
  );
  await inBatches(agents, 100, (a) => a.connect());
  return {
    server,
    people,
    agents,
    stop: async () => {
      for (const a of agents) a.stop();
      await server.stop();
      removeDir(dir);
    },
  };
}
