/**
 * Fixtures for change-engine tests: a registry with agents on a real SQLite file, an engine with
 * a TestExecutor, and a cast of principals.
 */
import { create } from '@bufbuild/protobuf';
import { join } from 'node:path';
import { ChangeEngine } from '../../src/changes/engine.js';
import { parsePolicy } from '../../src/changes/policy.js';
import type { Principal, Role } from '../../src/changes/principal.js';
import { AgentRegistry } from '../../src/fleet/registry.js';
import { canonicalTarget } from '../../src/fleet/targeting.js';
import { AgentToServerSchema } from '../../src/gen/opamp/v1/opamp_pb.js';
import { createLogger } from '../../src/shared/log.js';
import type { Db } from '../../src/store/db.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { TestExecutor, type TestExecutorOptions } from './test-executor.js';
import { kv } from './ws-agent.js';

export const uid = (n: number): string => `0190f3c4-8a6b-7c2e-9d1a-${n.toString().padStart(12, '0')}`;

export function principal(kind: Principal['kind'], id: string, role: Role, llm = false): Principal {
  return { kind, id, name: id, role, llm };
}

export const alice = principal('api_token', 'alice', 'proposer');
export const bob = principal('api_token', 'bob', 'approver');
export const carol = principal('api_token', 'carol', 'approver');
export const admin = principal('api_token', 'root', 'admin');
export const viewer = principal('api_token', 'vera', 'viewer');
/** The on-call user group the Slack principals below were verified to be in (as the Slack edge does). */
export const ONCALL_GROUP = 'S0ONCALL';
export const aliceSlack: Principal = { ...principal('slack', 'UALICE', 'approver'), approverGroups: [ONCALL_GROUP] };
export const bobSlack: Principal = { ...principal('slack', 'UBOB', 'approver'), approverGroups: [ONCALL_GROUP] };
export const mcpBot = principal('mcp', 'claude-desktop', 'approver', true);

/** Adds (or updates) agent `n` with attributes, as if it had reported over OpAMP. */
export function addAgent(registry: AgentRegistry, n: number, attrs: Record<string, string> = { 'service.name': 'checkout' }): string {
  registry.report(uid(n), create(AgentToServerSchema, { capabilities: 1n, agentDescription: { identifyingAttributes: kv(attrs) } }), 'ws');
  return uid(n);
}

export interface EngineFixture {
  readonly db: Db;
  readonly registry: AgentRegistry;
  readonly engine: ChangeEngine;
  readonly executor: TestExecutor;
  /** Mutable clock used by the engine. */
  clock: { now: number };
  close(): Promise<void>;
}

export interface FixtureOptions {
  readonly policy?: unknown;
  readonly executor?: TestExecutorOptions;
  readonly agents?: number;
  readonly now?: number;
  readonly start?: boolean;
}

/** An engine on `dir/ampgate.db` with `agents` checkout agents (default 3) and a TestExecutor. */
export function engineFixture(dir: string, opts: FixtureOptions = {}): EngineFixture {
  const store = openSqliteStore(join(dir, 'ampgate.db'));
  const db = store.db;
  const registry = new AgentRegistry(store.agents);
  for (let n = 1; n <= (opts.agents ?? 3); n++) if (!registry.get(uid(n))) addAgent(registry, n);
  registry.flush();
  const clock = { now: opts.now ?? Date.now() };
  const engine = new ChangeEngine({
    store,
    canonicalTarget,
    policy: parsePolicy(opts.policy ?? {}),
    logger: createLogger('silent'),
    now: () => clock.now,
    tickMs: 3_600_000,
  });
  const executor = new TestExecutor(db, registry, opts.executor);
  engine.registerExecutor(executor);
  if (opts.start !== false) engine.start();
  return {
    db,
    registry,
    engine,
    executor,
    clock,
    close: async () => {
      await engine.stop();
      registry.close();
      store.close();
    },
  };
}
