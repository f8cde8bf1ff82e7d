/**
 * @module Composition root: opens the store, builds each module (src/app/changes.ts,
 * agent-listener.ts, control-plane.ts; src/fleet/fleet-actions.ts, src/creds/module.ts,
 * src/slack/module.ts), starts the listeners and stops everything in order. Everything is passed
 * in explicitly; nothing is a module-level singleton, so tests can run several servers in one
 * process.
 */
import type { FastifyInstance } from 'fastify';
import { Metrics } from '../api/metrics.js';
import type { ChangeEngine } from '../changes/engine.js';
import { loadPolicy } from '../changes/policy.js';
import type { Settings } from '../config.js';
import type { AgentCredentials } from '../creds/agent-credentials.js';
import { createCredentials, type CredentialsModule } from '../creds/module.js';
import type { PrivilegeAdmin } from '../creds/privileges.js';
import type { SwitchableTlsServer } from '../creds/server-tls.js';
import { createFleetActions, type FleetActions } from '../fleet/fleet-actions.js';
import { Fleet } from '../fleet/fleet.js';
import { AgentRegistry } from '../fleet/registry.js';
import { serverCapabilities } from '../protocol/capabilities.js';
import { createLogger, type Logger } from '../shared/log.js';
import type { SlackBot } from '../slack/bot.js';
import { createSlack } from '../slack/module.js';
import type { ApiTokens } from '../creds/api-tokens.js';
import type { Store } from '../store/ports/store.js';
import type { FirstStartSecrets } from '../creds/first-start-secrets.js';
import { observeSlack } from '../slack/metrics.js';
import { createAgentListener } from './agent-listener.js';
import { observeChanges } from './change-metrics.js';
import { announceFirstStartSecrets, createChangeModule } from './changes.js';
import { createControlPlane } from './control-plane.js';
import { listenError } from './listen-error.js';
import { joinCluster } from './replica.js';
import { takeCleanShutdownMarker, writeCleanShutdownMarker } from './clean-shutdown.js';
import { databaseHealth, openAppStore, redactDbUrl } from './store.js';

export interface StartOptions {
  readonly logger?: Logger;
  /**
   * Notices for the operator in plain words (where the first-start secrets were written), kept off
   * the log stream. Default: stderr.
   */
  readonly print?: (line: string) => void;
  /** Called with the secrets created at first start, after they were written to their file. */
  readonly onFirstStartSecrets?: (secrets: FirstStartSecrets & { readonly file: string }) => void;
  /**
   * Register the fleet executors (config_push, pause, resume, restart) with the change engine.
   * Default true; engine tests that bring their own test executor for those kinds turn it off.
   */
  readonly registerFleetExecutors?: boolean;
  /**
   * Called once the server stopped by itself because it cannot go on (a replica that lost its
   * database session). `ampgate serve` exits non-zero so a process manager starts it again.
   */
  readonly onFatal?: (reason: string) => void;
}

export interface RunningServer {
  readonly settings: Settings;
  readonly logger: Logger;
  /** The store: SQLite (tests reach its raw handle as `store.db`) or PostgreSQL (AMPGATE_DB=postgres://...). */
  readonly store: Store;
  readonly registry: AgentRegistry;
  readonly fleet: Fleet;
  /** Config catalog, rollouts, pause/resume, restart (executors for the change engine). */
  readonly fleetActions: FleetActions;
  readonly credentials: AgentCredentials;
  /** TLS/mTLS, connection-settings offers, CSR flow and the rotate_credentials executor. */
  readonly credentialsModule: CredentialsModule;
  /** The Slack bot, when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set. */
  readonly slack: SlackBot | undefined;
  readonly apiTokens: ApiTokens;
  /** API and enrollment token creation and revocation, audited and logged. */
  readonly privileges: PrivilegeAdmin;
  readonly metrics: Metrics;
  /** The change-request engine: the one write path for every channel. */
  readonly changes: ChangeEngine;
  readonly control: FastifyInstance;
  /** Base URL of the OpAMP endpoint, e.g. ws://127.0.0.1:4320/v1/opamp (scheme http/https for polling). */
  readonly opampUrl: { readonly ws: string; readonly http: string };
  readonly controlUrl: string;
  stop(): Promise<void>;
}

export async function startServer(settings: Settings, opts: StartOptions = {}): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger(settings.logLevel);
  const print = opts.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  // Read the policy first: a broken policy file stops startup before anything is opened.
  const policy = loadPolicy(settings.policyFile);
  const store = await openAppStore(settings.dbPath, logger, settings.sqliteCheckpoints);

  const change = createChangeModule(settings, store, policy, logger);
  const { changes, credentials, privileges, checkpointer } = change;
  // The first admin and enrollment tokens are created once the listeners are bound (below).

  // HTTP agents stay connected for 3 missed polls (the liveness sweep below), across a restart too.
  // Replicas learn of each other's agents from the store: connects and disconnects are written at once.
  const registry = new AgentRegistry(store.agents, {
    httpLivenessMs: settings.heartbeatSeconds * 3 * 1000,
    writeConnectionChanges: store.cluster !== undefined,
  });
  const fleet = new Fleet(registry, serverCapabilities({ signsCertificateRequests: settings.agentAuth === 'mtls' }));
  const metrics = new Metrics(registry);
  const fleetActions = createFleetActions({ store, fleet, registry, logger, audit: changes.audit });
  const credentialsModule = await createCredentials({ store, fleet, registry, credentials, settings, logger, metricsRegistry: metrics.registry });
  // A shared store is written by other replicas too, so its records are never taken as complete.
  const storedStateComplete = !store.cluster && takeCleanShutdownMarker(settings.dataDir);
  const listener = createAgentListener({ settings, fleet, credentials, credentialsModule, metrics, logger, storedStateComplete });
  const slack = await createSlack({
    settings,
    policy,
    changes,
    registry,
    catalog: fleetActions.catalog,
    rollouts: fleetActions,
    cards: store.slackCards,
    logger,
  });
  const stopChangeMetrics = observeChanges(changes, metrics);
  if (slack) observeSlack(slack.app, metrics);
  // On a shared store (PostgreSQL) this process is one replica: it follows the others' writes and
  // runs cluster-wide periodic work only while it holds that work's lock.
  const replica = store.cluster
    ? joinCluster({ cluster: store.cluster, store, registry, fleet, fleetActions, changes, credentialsModule, credentials, settings, logger })
    : undefined;
  const health = () => {
    const database = databaseHealth(store);
    return { ok: database.ok, database, ...(replica ? { replica: replica.health() } : {}) };
  };
  const control = await createControlPlane({ settings, store, logger, registry, metrics, change, fleetActions, credentialsModule, slack, health });

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      // First: abort running executions (they stay `executing` and resume after restart).
      await changes.stop();
      replica?.stop();
      stopChangeMetrics();
      await slack?.stop();
      fleet.stop();
      credentialsModule.stop();
      await listener.close();
      await control.close();
      fleetActions.close();
      registry.close();
      checkpointer.stop();
      store.close();
      if (!store.cluster) {
        try {
          writeCleanShutdownMarker(settings.dataDir);
        } catch (err) {
          logger.warn({ err }, 'could not write the clean-shutdown marker: agents will be asked for their full state after the next start');
        }
      }
      logger.info('ampgate stopped');
    })());

  let opampAddr: { host: string; port: number };
  try {
    opampAddr = await listener.listen().catch((err: unknown) => {
      throw listenError(err, settings.opampListen, { what: 'agents (OpAMP)', variable: 'AMPGATE_OPAMP_LISTEN', flag: '--opamp-listen' });
    });
    await control.listen({ host: settings.controlListen.host, port: settings.controlListen.port }).catch((err: unknown) => {
      throw listenError(err, settings.controlListen, { what: 'the control plane', variable: 'AMPGATE_CONTROL_LISTEN', flag: '--control-listen' });
    });
  } catch (err) {
    // Nothing was created yet that an operator would miss: no secrets, no executions.
    await stop();
    throw err;
  }
  // Only now, with both listeners bound, are first-start secrets created: a start that fails
  // (a port in use) must not consume the one time they are shown.
  announceFirstStartSecrets(settings, change, print, opts.onFirstStartSecrets, logger, store.uow);
  const controlAddr = control.server.address();
  const controlPort = typeof controlAddr === 'object' && controlAddr ? controlAddr.port : settings.controlListen.port;

  // A replica sees only the polls that reach it: the cluster sweeps HTTP agents on the database instead.
  if (!replica) fleet.startLivenessSweep(settings.heartbeatSeconds * 3 * 1000);

  // Every executor is registered before changes.start(): config_push, pause, resume and restart
  // from src/fleet, rotate_credentials from src/creds.
  if (opts.registerFleetExecutors !== false) for (const executor of fleetActions.executors) changes.registerExecutor(executor);
  changes.registerExecutor(credentialsModule.executor);
  // Resumes requests a crash left approved or executing, then runs expiry and freeze-end checks.
  changes.start({ periodic: !replica });
  checkpointer.start();
  slack?.start();

  // Its locks are gone with its session: other replicas take over its agents and work.
  store.cluster?.onLost(() => {
    void stop().finally(() => opts.onFatal?.('lost its database session'));
  });

  const scheme = settings.tlsCertFile ? 's' : '';
  const host = formatHost(opampAddr.host);
  const opampUrl = {
    ws: `ws${scheme}://${host}:${opampAddr.port}${settings.opampPath}`,
    http: `http${scheme}://${host}:${opampAddr.port}${settings.opampPath}`,
  };
  const controlUrl = `http://${formatHost(settings.controlListen.host)}:${controlPort}`;
  // With TLS on, the listener is an https server: the credentials module switches its certificate.
  credentialsModule.attachListener(listener.server as unknown as SwitchableTlsServer, opampUrl.ws);
  replica?.advertise(opampUrl.ws, controlUrl);
  logger.info({ opamp: opampUrl, control: controlUrl, db: redactDbUrl(settings.dbPath), agentAuth: settings.agentAuth }, 'ampgate listening');

  return {
    settings,
    logger,
    store,
    registry,
    fleet,
    fleetActions,
    credentials,
    credentialsModule,
    apiTokens: change.apiTokens,
    privileges,
    metrics,
    changes,
    slack,
    control,
    opampUrl,
    controlUrl,
    stop,
  };
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
