/**
 * @module Composition root: opens the database, builds the domain, starts the OpAMP listener and
 * the control plane, and stops them in order. Everything is passed in explicitly; nothing is a
 * module-level singleton, so tests can run several servers in one process.
 */
import type { FastifyInstance } from 'fastify';
import { enrollmentRoutes } from './api/routes/enrollment.js';
import { tokenRoutes } from './api/routes/tokens.js';
import { whoamiRoutes } from './api/routes/whoami.js';
import { auditRoutes } from './api/routes/audit.js';
import { eventRoutes } from './api/routes/events.js';
import { summaryRoutes } from './api/routes/summary.js';
import { changeRoutes } from './api/routes/changes.js';
import { buildControlPlane } from './api/server.js';
import { ChangeEngine } from './changes/engine.js';
import { anchorFiles, AuditAnchor, AuditCheckpointer } from './changes/audit-anchor.js';
import { loadPolicy } from './changes/policy.js';
import { PrivilegeAdmin } from './changes/privileges.js';
import type { Settings } from './config.js';
import { AgentCredentials } from './creds/agent-credentials.js';
import { createCredentials, type CredentialsModule } from './creds/module.js';
import { Fleet } from './fleet/fleet.js';
import { serverCapabilities } from './opamp/capabilities.js';
import { createFleetActions, type FleetActions } from './fleet/fleet-actions.js';
import { configSyncOf } from './fleet/fleet-query.js';
import { consoleRoutes } from './web/console.js';
import { configRoutes } from './api/routes/configs.js';
import { rolloutRoutes } from './api/routes/rollouts.js';
import { AgentRegistry } from './fleet/registry.js';
import type { AgentRecord } from './fleet/agent-state.js';
import { createLogger, type Logger } from './log.js';
import { listenError } from './listen-error.js';
import { firstStartFile, writeFirstStartSecrets, type FirstStartSecrets } from './creds/first-start-secrets.js';
import { existsSync } from 'node:fs';
import { mcpRoutes } from './mcp/http.js';
import { Metrics } from './metrics.js';
import type { SlackBot } from './slack/bot.js';
import { createSlack, slackRoutes } from './slack/module.js';
import { observeSlack } from './slack/metrics.js';
import { observeChanges } from './changes/metrics.js';
import { Admission } from './opamp/admission.js';
import { HttpTransport } from './opamp/http-transport.js';
import { OpampListener } from './opamp/listener.js';
import { OpampSession } from './opamp/session.js';
import { SourceConnectionLimiter } from './opamp/source-limit.js';
import { WsTransport } from './opamp/ws-transport.js';
import { AgentsRepo } from './store/agents-repo.js';
import { ApiTokensRepo } from './store/api-tokens-repo.js';
import { openDatabase, type Db } from './store/db.js';

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
}

export interface RunningServer {
  readonly settings: Settings;
  readonly logger: Logger;
  readonly db: Db;
  readonly registry: AgentRegistry;
  readonly fleet: Fleet;
  /** Config catalog, rollouts, pause/resume, restart (executors for the change engine). */
  readonly fleetActions: FleetActions;
  readonly credentials: AgentCredentials;
  /** TLS/mTLS, connection-settings offers, CSR flow and the rotate_credentials executor. */
  readonly credentialsModule: CredentialsModule;
  /** The Slack bot, when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set. */
  readonly slack: SlackBot | undefined;
  readonly apiTokens: ApiTokensRepo;
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
  const db = openDatabase(settings.dbPath);

  const apiTokens = new ApiTokensRepo(db);
  const credentials = new AgentCredentials(db);
  const changes = new ChangeEngine({ db, policy, logger, mcpReadOnly: settings.mcpReadOnly, proposalRate: { perMinute: settings.proposalRate, burst: settings.proposalBurst } });
  const auditAnchor = new AuditAnchor(anchorFiles(settings.dbPath, { file: settings.auditAnchorFile, keyFile: settings.auditAnchorKeyFile }), { createKey: true });
  const checkpointer = new AuditCheckpointer(changes.audit, auditAnchor, logger.child({ component: 'audit' }));
  const privileges = new PrivilegeAdmin({ db, tokens: apiTokens, credentials, audit: changes.audit, denials: changes.denials, logger });
  // The first admin and enrollment tokens are created once the listeners are bound (below).

  // HTTP agents stay connected for 3 missed polls (the liveness sweep below), across a restart too.
  const registry = new AgentRegistry(new AgentsRepo(db), { httpLivenessMs: settings.heartbeatSeconds * 3 * 1000 });
  const fleet = new Fleet(registry, serverCapabilities({ signsCertificateRequests: settings.agentAuth === 'mtls' }));
  const metrics = new Metrics(registry);
  const fleetActions = createFleetActions({ db, fleet, registry, logger, audit: changes.audit });
  const credentialsModule = await createCredentials({ db, fleet, registry, credentials, apiTokens, settings, logger, metricsRegistry: metrics.registry });

  const session = new OpampSession(fleet, {
    onMessage: (t) => metrics.messagesIn.inc({ transport: t }),
    onSent: (t, n) => metrics.messagesOut.inc({ transport: t }, n),
    onError: (reason) => metrics.errors.inc({ reason }),
  }, {
    ...(settings.agentAuth === 'none' ? {} : { isEstablished: (uid: string) => credentials.isEstablished(uid) }),
    attributeLimits: { maxAttributes: settings.maxAgentAttributes, maxAttributeBytes: settings.maxAgentAttributeBytes, maxDescriptionBytes: settings.maxAgentDescriptionBytes },
  });
  const onInternalError = (err: unknown) => {
    metrics.errors.inc({ reason: 'internal' });
    logger.error({ err }, 'internal error while processing an agent message');
  };
  const ws = new WsTransport(
    session,
    {
      onSent: (n) => metrics.messagesOut.inc({ transport: 'ws' }, n),
      onMalformed: (reason) => metrics.errors.inc({ reason }),
      onDropped: (reason) => metrics.errors.inc({ reason }),
      onInternalError,
    },
    { maxMessageBytes: settings.maxMessageBytes, pingIntervalMs: settings.pingIntervalMs },
  );
  metrics.trackOpenSockets(() => ws.openConnections);
  const http = new HttpTransport(
    session,
    {
      onSent: (n) => metrics.messagesOut.inc({ transport: 'http' }, n),
      onMalformed: (reason) => metrics.errors.inc({ reason }),
      onInternalError,
    },
    { maxMessageBytes: settings.maxMessageBytes, inFlightBytes: settings.agentInFlightBytes, bodyTimeoutMs: settings.agentBodyTimeoutMs, retryAfterSeconds: settings.retryAfterSeconds },
  );
  const admission = new Admission({
    maxConnections: settings.maxConnections,
    connectRatePerSecond: settings.connectRate,
    connectBurst: settings.connectBurst,
    pollRatePerSecond: settings.pollRate,
    pollBurst: settings.pollBurst,
    retryAfterSeconds: settings.retryAfterSeconds,
  });
  const sourceLimit = new SourceConnectionLimiter(settings.maxConnectionsPerSource, {
    onOverLimit: (address, open) =>
      logger.warn({ address, open, limit: settings.maxConnectionsPerSource }, 'an agent source address is over AMPGATE_MAX_CONNECTIONS_PER_SOURCE; its new connections get 429 (agents behind one NAT or proxy? raise the limit, or 0 for none)'),
  });
  const listener = new OpampListener(
    {
      host: settings.opampListen.host,
      port: settings.opampListen.port,
      path: settings.opampPath,
      tls: credentialsModule.tlsOptions,
      sourceLimit,
      requestTimeoutMs: settings.agentBodyTimeoutMs + 5_000,
    },
    credentialsModule.authenticator,
    admission,
    ws,
    http,
    { onRejected: (reason) => metrics.rejected.inc({ reason }) },
  );

  const configSync = (a: AgentRecord) => configSyncOf(a, fleetActions.desired.get(a.uid));
  const startedAt = Date.now();

  const slack = createSlack({ settings, policy, changes, registry, catalog: fleetActions.catalog, rollouts: fleetActions, db, logger });
  const stopChangeMetrics = observeChanges(changes, metrics);
  if (slack) observeSlack(slack.app, metrics);

  const apiRateLimit = { ratePerSecond: settings.apiRate, burst: settings.apiBurst };
  const control = await buildControlPlane({
    logger,
    registry,
    tokens: apiTokens,
    metrics,
    configSync,
    apiRateLimit,
    limits: {
      requestTimeoutMs: settings.controlRequestTimeoutMs,
      headersTimeoutMs: settings.controlHeadersTimeoutMs,
      idleTimeoutMs: settings.controlIdleTimeoutMs,
      maxConnections: settings.controlMaxConnections,
    },
    plugins: [
      slackRoutes(slack),
      (app) => whoamiRoutes(app, { tokens: apiTokens, mcpReadOnly: settings.mcpReadOnly }),
      (app) => tokenRoutes(app, { tokens: apiTokens, privileges }),
      (app) => enrollmentRoutes(app, { tokens: apiTokens, credentials, privileges }),
      (app) => mcpRoutes(app, { tokens: apiTokens, mcpReadOnly: settings.mcpReadOnly }),
      (app) => changeRoutes(app, { tokens: apiTokens, changes }),
      (app) => auditRoutes(app, { tokens: apiTokens, audit: changes.audit, anchor: auditAnchor }),
      configRoutes(fleetActions, apiTokens, { mcpReadOnly: settings.mcpReadOnly }),
      rolloutRoutes(fleetActions, apiTokens, () => changes),
      credentialsModule.routes,
      eventRoutes({ tokens: apiTokens, changes, registry }),
      summaryRoutes({ tokens: apiTokens, registry, changes, configSync, rollouts: () => fleetActions.listRollouts(), startedAt }),
      ...(settings.console ? [consoleRoutes({ db, tokens: apiTokens, sessionSeconds: settings.consoleSessionSeconds, idleSeconds: settings.consoleIdleSeconds, apiRateLimit })] : []),
    ],
  });

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      // First: abort running executions (they stay `executing` and resume after restart).
      await changes.stop();
      stopChangeMetrics();
      await slack?.stop();
      fleet.stop();
      credentialsModule.stop();
      await listener.close();
      await control.close();
      fleetActions.close();
      registry.close();
      checkpointer.stop();
      db.close();
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
  announceFirstStartSecrets(settings, apiTokens, credentials, privileges, print, opts.onFirstStartSecrets, logger);
  const controlAddr = control.server.address();
  const controlPort = typeof controlAddr === 'object' && controlAddr ? controlAddr.port : settings.controlListen.port;

  fleet.startLivenessSweep(settings.heartbeatSeconds * 3 * 1000);

  // ---- Change executors: register every executor here, before changes.start() ----------------
  // (config_push/pause/resume/restart from src/fleet, rotate_credentials from src/creds), e.g.
  // changes.registerExecutor(new RestartExecutor(fleet, db));
  if (opts.registerFleetExecutors !== false) for (const executor of fleetActions.executors) changes.registerExecutor(executor);
  changes.registerExecutor(credentialsModule.executor);
  // ---- end of executor registration ------------------------------------------------------------
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
  credentialsModule.attachListener(listener.server, opampUrl.ws);
  logger.info({ opamp: opampUrl, control: controlUrl, db: settings.dbPath, agentAuth: settings.agentAuth }, 'ampgate listening');


  return { settings, logger, db, registry, fleet, fleetActions, credentials, credentialsModule, apiTokens, privileges, metrics, changes, slack, control, opampUrl, controlUrl, stop };
}

function announceFirstStartSecrets(
  settings: Settings,
  apiTokens: ApiTokensRepo,
  credentials: AgentCredentials,
  privileges: PrivilegeAdmin,
  print: (line: string) => void,
  onSecrets: StartOptions['onFirstStartSecrets'],
  logger: Logger,
): void {
  const admin = apiTokens.ensureAdmin(settings.adminToken);
  if (admin) privileges.recordCreated(admin.view);
  // mtls too: agents without a certificate bootstrap with it (CSR flow or a certificate rotation).
  const enrollment = settings.agentAuth !== 'none' ? credentials.ensureEnrollmentToken(settings.enrollmentToken) : undefined;
  if (enrollment) privileges.recordEnrollmentCreated(enrollment.row);
  // A token given in the environment is recorded, but there is no secret to hand out.
  const adminToken = admin?.secret;
  const enrollmentToken = enrollment?.secret;
  if (!adminToken && !enrollmentToken) {
    const left = firstStartFile(settings.dbPath);
    if (existsSync(left)) {
      logger.warn({ file: left }, 'the first-start secrets file still exists: store the tokens it holds, then delete it');
      print(`ampgate: ${left} still holds first-start secrets: store them, then delete it`);
    }
    return;
  }
  const file = writeFirstStartSecrets(settings.dbPath, { adminToken, enrollmentToken });
  const what = [adminToken ? 'the initial admin API token' : '', enrollmentToken ? 'the agent enrollment token' : ''].filter(Boolean).join(' and ');
  logger.info({ file }, `created ${what}; written to their file (mode 0600), not to this log`);
  print(`ampgate: created ${what}; they are in ${file} (mode 0600) and nowhere else: store them, then delete the file`);
  onSecrets?.({ adminToken, enrollmentToken, file });
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
