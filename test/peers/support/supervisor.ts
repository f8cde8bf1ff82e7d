/**
 * The OpAMP Supervisor (opentelemetry-collector-contrib cmd/opampsupervisor) running our
 * Collector, configured the way the issue asks: remote config, effective config, health, remote
 * config status, restart and (by default) OpAMP connection settings, authenticating with
 * `Authorization: Bearer <enrollment token>`. Its instance uid is chosen here, so the test knows
 * the agent's uid before it connects. Logs go to a file the tests read as evidence.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
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
  readonly heartbeatSeconds?: number;
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

export function startSupervisor(dir: string, name: string, o: SupervisorOptions): Supervisor {
  const p = peers();
  const home = join(dir, name);
  mkdirSync(join(home, 'storage'), { recursive: true });
  const uid = randomUUID();
  const logFile = join(home, 'supervisor.log');
  // A local file merged under the remote config: the Collector's own metrics endpoint (:8888 by
  // default) is off, so several Collectors can run on one machine. It runs nothing else, so a
  // pause stand-in stays effective.
  const localConfig = join(home, 'local.yaml');
  writeFileSync(localConfig, 'service:\n  telemetry:\n    metrics:\n      level: none\n');
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
  config_files:
    - ${localConfig}
  description:
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
