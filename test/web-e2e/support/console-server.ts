/**
 * A real ampgate for the console tests: a fresh SQLite file, two people who may approve (alice and
 * bob, each with an approver token bound to their own identity in the policy), and a fleet of lean
 * simulated WebSocket agents with realistic attributes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SettingsInput } from '../../../src/config.js';
import { ApiTokensRepo } from '../../../src/store/api-tokens-repo.js';
import { openDatabase } from '../../../src/store/db.js';
import { inBatches, LeanAgent } from '../../support/lean-agents.js';
import { ENROLLMENT_TOKEN, removeDir, startTestServer, tempDir, type TestServer } from '../../support/server.js';

export interface People {
  /** Approver-role API token secrets of two different people. */
  readonly alice: string;
  readonly bob: string;
}

/**
 * The one place the tests make their two people. Their tokens are created in the database before
 * the server starts and bound to separate identities in the policy file, so "alice" and "bob" are
 * two persons for self-approval checks no matter who minted which token.
 */
export function seedPeople(dir: string): { people: People; policyFile: string } {
  const db = openDatabase(join(dir, 'ampgate.db'));
  try {
    const tokens = new ApiTokensRepo(db);
    const alice = tokens.create('alice', 'approver');
    const bob = tokens.create('bob', 'approver');
    const policyFile = join(dir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify({ identities: { alice: [`api_token:${alice.id}`], bob: [`api_token:${bob.id}`] } }, null, 2));
    return { people: { alice: alice.secret, bob: bob.secret }, policyFile };
  } finally {
    db.close();
  }
}

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
  const agents = Array.from({ length: agentCount }, (_, i) => new LeanAgent({ url: server.opampUrl.ws, token: ENROLLMENT_TOKEN, identifying: agentAttributes(i), applyDelayMs }));
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
