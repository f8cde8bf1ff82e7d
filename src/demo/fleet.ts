/**
 * @module The demo fleet (`ampgate demo`): N simulated agents with varied services, environments
 * and hosts, so that selectors, approvals and rollouts have something real to act on. Some report
 * themselves unhealthy, some accept Restart commands, some pause through the
 * io.opentelemetry.pause custom capability (the others through ampgate's stand-in config), and
 * some do not accept remote configs at all (they show up as ineligible). Every agent speaks the
 * real OpAMP wire protocol to the server, exactly as the test suites' agents do.
 */
import { AgentCapabilities, type ServerToAgent } from '../gen/opamp/v1/opamp_pb.js';
import { PAUSE_CAPABILITY, withPause, withRestart } from './behaviours.js';
import { DEFAULT_CAPS, SimulatedAgent } from './simulated-agent.js';

const SERVICES = ['checkout', 'payments', 'inventory', 'frontend'] as const;
const cap = (c: AgentCapabilities) => BigInt(c);

export interface DemoProfile {
  readonly identifying: Record<string, string>;
  readonly nonIdentifying: Record<string, string>;
  readonly healthy: boolean;
  /** Advertises AcceptsRestartCommand and restarts (reconnects) when told to. */
  readonly restarts: boolean;
  /** Advertises the io.opentelemetry.pause custom capability and obeys it. */
  readonly customPause: boolean;
  /** Advertises AcceptsRemoteConfig and applies what it is offered. */
  readonly appliesConfigs: boolean;
}

/** Agent `i` of the demo fleet: a fixed mix, so the same command always builds the same fleet. */
export function demoProfile(i: number): DemoProfile {
  const service = SERVICES[i % SERVICES.length]!;
  return {
    identifying: { 'service.name': service, 'service.instance.id': `${service}-${i + 1}`, 'service.version': i % 4 === 3 ? '1.8.0' : '1.9.2' },
    nonIdentifying: {
      'deployment.environment': i % 3 === 2 ? 'staging' : 'prod',
      'host.name': `demo-host-${String(Math.floor(i / 2) + 1).padStart(2, '0')}`,
      'os.type': 'linux',
    },
    healthy: i % 5 !== 4,
    restarts: i % 2 === 0,
    customPause: i % 3 === 1,
    appliesConfigs: i % 6 !== 5,
  };
}

/** The effective config a demo agent starts with: a small valid Collector config. */
function demoConfig(service: string): string {
  return (
    `receivers:\n  otlp:\n    protocols:\n      grpc: {}\nprocessors:\n  batch:\n    send_batch_size: 512\nexporters:\n  otlphttp:\n    ` +
    `endpoint: http://${service}-gateway.internal:4318\nservice:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      processors: [batch]\n     ` +
    ` exporters: [otlphttp]\n`
  );
}

export interface DemoFleetOptions {
  readonly url: string;
  /** Enrollment token (omit when the server runs with AMPGATE_AGENT_AUTH=none). */
  readonly token?: string;
  readonly agents: number;
  /** Heartbeat interval in ms (default 30 s, the server's default expectation). */
  readonly heartbeatMs?: number;
  /** Reconnect delay after the server went away, in ms (default 2 s). */
  readonly reconnectMs?: number;
  /** What the agents do, in words (an agent restarted, applied a config, paused). */
  readonly onEvent?: (line: string) => void;
}

export class DemoFleet {
  readonly agents: SimulatedAgent[] = [];
  readonly profiles: DemoProfile[] = [];
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly opts: DemoFleetOptions) {
    for (let i = 0; i < opts.agents; i++) {
      const p = demoProfile(i);
      let caps = DEFAULT_CAPS;
      if (!p.appliesConfigs) caps &= ~cap(AgentCapabilities.AgentCapabilities_AcceptsRemoteConfig);
      if (p.restarts) caps |= cap(AgentCapabilities.AgentCapabilities_AcceptsRestartCommand);
      const agent = new SimulatedAgent({
        url: opts.url,
        token: opts.token,
        capabilities: caps,
        identifying: p.identifying,
        nonIdentifying: p.nonIdentifying,
        customCapabilities: p.customPause ? [PAUSE_CAPABILITY] : undefined,
        effectiveConfig: { 'collector.yaml': demoConfig(p.identifying['service.name']!) },
        applyRemoteConfig: p.appliesConfigs,
        health: p.healthy ? undefined : { healthy: false, status: 'exporter failing', lastError: 'otlphttp: connection refused' },
        reconnectMs: opts.reconnectMs ?? 2_000,
      });
      if (p.restarts) withRestart(agent);
      if (p.customPause) withPause(agent);
      agent.handlers.push((a, msg) => this.#narrate(a, i, msg));
      this.agents.push(agent);
      this.profiles.push(p);
    }
  }

  /** Connects every agent and sends its full state; rejects with the first refusal (e.g. 401). */
  async start(): Promise<void> {
    for (const a of this.agents) await a.start();
    this.#heartbeat = setInterval(() => {
      for (const a of this.agents) if (a.socket?.readyState === 1) void a.heartbeat().catch(() => {});
    }, this.opts.heartbeatMs ?? 30_000);
    this.#heartbeat.unref();
  }

  /** Every agent says goodbye (agent_disconnect) and closes; none reconnects. */
  async stop(): Promise<void> {
    clearInterval(this.#heartbeat);
    await Promise.all(this.agents.map((a) => a.stop().catch(() => {})));
  }

  #narrate(agent: SimulatedAgent, i: number, msg: ServerToAgent): void {
    const say = this.opts.onEvent;
    if (!say) return;
    const name = `${this.profiles[i]!.identifying['service.instance.id']} (${agent.uidText})`;
    if (msg.remoteConfig) say(`${name}: ${this.profiles[i]!.appliesConfigs ? 'applied' : 'ignored'} a new remote config`);
    if (msg.command) say(`${name}: restarting`);
    const cm = msg.customMessage;
    if (cm?.capability === PAUSE_CAPABILITY && (cm.type === 'pause' || cm.type === 'resume')) say(`${name}: ${cm.type}d (custom message)`);
  }
}
