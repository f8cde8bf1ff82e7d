/**
 * The OpAMP Supervisor (opentelemetry-collector-contrib cmd/opampsupervisor) running our
 * Collector, configured the way the issue asks: remote config, effective config, health, remote
 * config status, restart and (by default) OpAMP connection settings, authenticating with
 * `Authorization: Bearer <enrollment token>`. Its instance uid is chosen here, so the test knows
 * the agent's uid before it connects. Logs go to a file the tests read as evidence. The port of
 * the Supervisor's own OpAMP server (for its Collector) is chosen here too: with port 0, two
 * Supervisors started at the same time can pick the same free port and each Collector may then
 * report to the other's Supervisor.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../support/crash.js';
import { childPids, spawnChild, type Child } from './children.js';
import { peers } from './peers.js';

export interface SupervisorOptions {
  readonly endpoint: string;
  readonly token: string;
  readonly serviceName?: string;
  readonly acceptsConnectionSettings?: boolean;
  readonly acceptsRestart?: boolean;
  /** TLS for wss:// endpoints. */
  readonly caFile?: string;
  /** Environment of the Collector (the Supervisor's agent::env), e.g. its OTLP port. */
  readonly collectorEnv?: Record<string, string>;
}

export interface Supervisor {
  readonly uid: string;
  readonly dir: string;
  readonly logFile: string;
  child: Child;
  /** Supervisor log lines so far (JSON text). */
  log(): string;
  /** The pid of the Collector the Supervisor runs now, if any. */
  collectorPid(): number | undefined;
  /** Starts the Supervisor again with the same config and storage (after stop). */
  start(): Child;
  stop(): Promise<void>;
}

function envBlock(env: Record<string, string> | undefined): string {
  if (!env || Object.keys(env).length === 0) return '';
  return `  env:\n${Object.entries(env)
    .map(([k, v]) => `    ${k}: "${v}"\n`)
    .join('')}`;
}

export async function startSupervisor(dir: string, name: string, o: SupervisorOptions): Promise<Supervisor> {
  const p = peers();
  const home = join(dir, name);
  mkdirSync(join(home, 'storage'), { recursive: true });
  const uid = randomUUID();
  const logFile = join(home, 'supervisor.log');
  const tls = o.caFile ? `    ca_file: ${o.caFile}\n` : '    insecure: true\n';
  const config = `server:
  endpoint: ${o.endpoint}
  headers:
    Authorization: "Bearer ${o.token}"
  tls:
${tls}capabilities:
  accepts_remote_config: true
  reports_effective_config: true
  reports_health: true
  reports_remote_config: true
  accepts_restart_command: ${o.acceptsRestart ?? true}
  accepts_opamp_connection_settings: ${o.acceptsConnectionSettings ?? true}
  reports_own_metrics: false
  reports_heartbeat: true
agent:
  executable: ${p.collector.bin}
  instance_id: ${uid}
  config_apply_timeout: 3s
  bootstrap_timeout: 30s
  opamp_server_port: ${await freePort()}
  # The Collector's own metrics endpoint (:8888 by default) is off, also in the Supervisor's
  # bootstrap run, so several Collectors can run on one machine.
  args: ["--set=service.telemetry.metrics.level=none"]
${envBlock(o.collectorEnv)}  description:
    identifying_attributes:
      service.name: ${o.serviceName ?? 'checkout'}
    non_identifying_attributes:
      deployment.environment: interop
storage:
  directory: ${join(home, 'storage')}
telemetry:
  logs:
    level: debug
    output_paths: [${logFile}]
`;
  const configFile = join(home, 'supervisor.yaml');
  writeFileSync(configFile, config);
  // The Supervisor shuts down (and stops its Collector) on SIGINT only.
  const launch = () => spawnChild(`supervisor ${name}`, p.supervisor.bin, ['--config', configFile], { stopSignal: 'SIGINT' });
  const s: Supervisor = {
    uid,
    dir: home,
    logFile,
    child: launch(),
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    collectorPid: () => childPids(s.child.pid)[0],
    start: () => (s.child = launch()),
    stop: () => s.child.stop('SIGINT', 8_000),
  };
  return s;
}

/** Waits until `check` holds; on timeout the error carries the end of the Supervisor's log. */
export async function until<T>(
  s: Supervisor,
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not within ${timeoutMs} ms. Supervisor log (end):\n${s.log().slice(-4000)}\nSupervisor output:\n${s.child.output().slice(-1500)}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}
