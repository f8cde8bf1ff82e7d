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
import type { ApiTokensStore } from '../store/ports/api-tokens.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite-store.js';
import { createAgentListener } from './agent-listener.js';
import { createChangeModule, ensureFirstStartTokens } from './changes.js';
import { createControlPlane } from './control-plane.js';

export interface StartOptions {
  readonly logger?: Logger;
  /** Where first-start secrets are printed (once). Default: stdout. */
  readonly print?: (line: string) => void;
  /**
   * Register the fleet executors (config_push, pause, resume, restart) with the change engine.
   * Default true; engine tests that bring their own test executor for those kinds turn it off.
   */
  readonly registerFleetExecutors?: boolean;
}

export interface RunningServer {
  readonly settings: Settings;
  readonly logger: Logger;
  /** The SQLite store (tests reach its raw handle as `store.db`). */
  readonly store: SqliteStore;
  readonly registry: AgentRegistry;
  readonly fleet: Fleet;
  /** Config catalog, rollouts, pause/resume, restart (executors for the change engine). */
  readonly fleetActions: FleetActions;
  readonly credentials: AgentCredentials;
  /** TLS/mTLS, connection-settings offers, CSR flow and the rotate_credentials executor. */
  readonly credentialsModule: CredentialsModule;
  /** The Slack bot, when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set. */
  readonly slack: SlackBot | undefined;
  readonly apiTokens: ApiTokensStore;
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
  const print = opts.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  // Read the policy first: a broken policy file stops startup before anything is opened.
  const policy = loadPolicy(settings.policyFile);
  const store = openSqliteStore(settings.dbPath);

  const change = createChangeModule(settings, store, policy, logger);
  const { changes, credentials, privileges, checkpointer } = change;
  ensureFirstStartTokens(settings, store, change, print);

  const registry = new AgentRegistry(store.agents);
  const fleet = new Fleet(registry, serverCapabilities({ signsCertificateRequests: settings.agentAuth === 'mtls' }));
  const metrics = new Metrics(registry);
  const fleetActions = createFleetActions({ store, fleet, registry, logger, audit: changes.audit });
  const credentialsModule = await createCredentials({ store, fleet, registry, credentials, settings, logger, metricsRegistry: metrics.registry });
  const listener = createAgentListener({ settings, fleet, credentials, credentialsModule, metrics, logger });
  const slack = createSlack({ settings, policy, changes, registry, catalog: fleetActions.catalog, rollouts: fleetActions, cards: store.slackCards, logger });
  const control = await createControlPlane({ settings, store, logger, registry, metrics, change, fleetActions, credentialsModule, slack });

  const opampAddr = await listener.listen();
  await control.listen({ host: settings.controlListen.host, port: settings.controlListen.port });
  const controlAddr = control.server.address();
  const controlPort = typeof controlAddr === 'object' && controlAddr ? controlAddr.port : settings.controlListen.port;

  fleet.startLivenessSweep(settings.heartbeatSeconds * 3 * 1000);

  // Every executor is registered before changes.start(): config_push, pause, resume and restart
  // from src/fleet, rotate_credentials from src/creds.
  if (opts.registerFleetExecutors !== false) for (const executor of fleetActions.executors) changes.registerExecutor(executor);
  changes.registerExecutor(credentialsModule.executor);
  // Resumes requests a crash left approved or executing, then runs expiry and freeze-end checks.
  changes.start();
  checkpointer.start();
  slack?.start();

  const scheme = settings.tlsCertFile ? 's' : '';
  const host = formatHost(opampAddr.host);
  const opampUrl = {
    ws: `ws${scheme}://${host}:${opampAddr.port}${settings.opampPath}`,
    http: `http${scheme}://${host}:${opampAddr.port}${settings.opampPath}`,
  };
  const controlUrl = `http://${formatHost(settings.controlListen.host)}:${controlPort}`;
  // With TLS on, the listener is an https server: the credentials module switches its certificate.
  credentialsModule.attachListener(listener.server as unknown as SwitchableTlsServer, opampUrl.ws);
  logger.info({ opamp: opampUrl, control: controlUrl, db: settings.dbPath, agentAuth: settings.agentAuth }, 'ampgate listening');

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      // First: abort running executions (they stay `executing` and resume after restart).
      await changes.stop();
      await slack?.stop();
      fleet.stop();
      credentialsModule.stop();
      await listener.close();
      await control.close();
      fleetActions.close();
      registry.close();
      checkpointer.stop();
      store.close();
      logger.info('ampgate stopped');
    })());

  return {
    settings,
    logger,
    store,
    registry,
    fleet,
    fleetActions,
    credentials,
    credentialsModule,
    apiTokens: store.apiTokens,
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
