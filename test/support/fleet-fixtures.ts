/**
 * Shared fixtures for the fleet-action suites: Collector config bodies and a helper that starts
 * TestAgents against a test server and closes them after each test.
 */
import { withRestart } from './fleet-behaviours.js';
import type { SlackApiRecorder } from './slack.js';
import { ENROLLMENT_TOKEN, removeDir, type TestServer } from './server.js';
import { RESTARTABLE_CAPS, TestAgent, type TestAgentOptions } from './ws-agent.js';

/** A valid OpenTelemetry Collector config whose only exporter is `exporter`. */
export function collectorConfig(exporter: string): string {
  return (
    `receivers:\n  otlp:\n    protocols:\n      grpc: {}\nexporters:\n  ${exporter}: {}\nservice:\n  pipelines:\n    traces:\n      receivers: ` +
    `[otlp]\n      exporters: [${exporter}]\n`
  );
}

export class AgentPool {
  readonly agents: TestAgent[] = [];

  /** Starts a WebSocket agent (applies remote configs by default) and sends its full state. */
  async start(server: TestServer, opts: Partial<TestAgentOptions> = {}): Promise<TestAgent> {
    const a = new TestAgent({
      url: server.opampUrl.ws,
      token: ENROLLMENT_TOKEN,
      applyRemoteConfig: true,
      identifying: { 'service.name': 'checkout' },
      ...opts,
    });
    this.agents.push(a);
    await a.start();
    return a;
  }

  /** Like start(), for an agent that accepts Restart commands and obeys them (reconnects as a new process). */
  async startRestartable(server: TestServer, opts: Partial<TestAgentOptions> = {}): Promise<TestAgent> {
    const a = new TestAgent({
      url: server.opampUrl.ws,
      token: ENROLLMENT_TOKEN,
      applyRemoteConfig: true,
      identifying: { 'service.name': 'checkout' },
      capabilities: RESTARTABLE_CAPS,
      ...opts,
    });
    withRestart(a);
    this.agents.push(a);
    await a.start();
    return a;
  }

  async closeAll(): Promise<void> {
    for (const a of this.agents.splice(0)) await a.close();
  }
}

/** Adds a config version through REST and returns its number and config hash. */
export async function pushVersion(server: TestServer, name: string, body: string, contentType = 'text/yaml'): Promise<{ version: number; configHash: string }> {
  const r = await server.api<{ version: { version: number; configHash: string } }>('POST', '/api/configs', { name, body, contentType });
  if (r.status !== 201 && r.status !== 200) throw new Error(`POST /api/configs: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.version;
}

/**
 * The same agent process reconnecting to another server address (after a server restart on a new
 * ephemeral port): same uid, sequence, state and behaviours.
 */
export function reattach(pool: AgentPool, agent: TestAgent, server: TestServer, opts: Partial<TestAgentOptions> = {}): TestAgent {
  const next = new TestAgent({ ...agent.opts, url: server.opampUrl.ws, uid: agent.uid, ...opts });
  next.seq = agent.seq;
  next.effectiveConfig = { ...agent.effectiveConfig };
  next.remoteConfigStatus = agent.remoteConfigStatus;
  next.handlers.push(...agent.handlers);
  pool.agents.push(next);
  return next;
}

/**
 * What a suite holds per test (a server, its agents, optionally a Slack Web API recorder);
 * `close()` in afterEach stops all of it and removes the server's data directory.
 */
export class SuiteFixture {
  server: TestServer | undefined;
  slack: SlackApiRecorder | undefined;
  readonly pool = new AgentPool();

  async close(): Promise<void> {
    await this.pool.closeAll();
    await this.server?.stop();
    await this.slack?.stop();
    if (this.server) removeDir(this.server.dir);
    this.server = undefined;
    this.slack = undefined;
  }
}
