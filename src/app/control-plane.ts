/**
 * @module Composition of the control plane: the Fastify server with every route group (REST,
 * MCP, Slack, console), each given only the services it reads or calls.
 */
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../api/metrics.js';
import { credentialRoutes } from '../api/routes/agent-credentials.js';
import { auditRoutes } from '../api/routes/audit.js';
import { changeRoutes } from '../api/routes/changes.js';
import { configRoutes } from '../api/routes/configs.js';
import { enrollmentRoutes } from '../api/routes/enrollment.js';
import { eventRoutes } from '../api/routes/events.js';
import { rolloutRoutes } from '../api/routes/rollouts.js';
import { summaryRoutes } from '../api/routes/summary.js';
import { tokenRoutes } from '../api/routes/tokens.js';
import { whoamiRoutes } from '../api/routes/whoami.js';
import { buildControlPlane } from '../api/server.js';
import type { Settings } from '../config.js';
import type { CredentialsModule } from '../creds/module.js';
import type { AgentRecord } from '../fleet/agent-state.js';
import type { FleetActions } from '../fleet/fleet-actions.js';
import { configSyncOf } from '../fleet/fleet-query.js';
import type { AgentRegistry } from '../fleet/registry.js';
import { mcpRoutes } from '../mcp/http.js';
import type { Logger } from '../shared/log.js';
import type { SlackBot } from '../slack/bot.js';
import { slackRoutes } from '../slack/module.js';
import type { Store } from '../store/ports/store.js';
import { consoleRoutes } from '../web/console.js';
import type { ChangeModule } from './changes.js';

export interface ControlPlaneDeps {
  readonly settings: Settings;
  readonly store: Store;
  readonly logger: Logger;
  readonly registry: AgentRegistry;
  readonly metrics: Metrics;
  readonly change: ChangeModule;
  readonly fleetActions: FleetActions;
  readonly credentialsModule: CredentialsModule;
  readonly slack: SlackBot | undefined;
  /** More of /healthz: the database, and the replica on a shared store. */
  readonly health?: () => { readonly ok: boolean } & Record<string, unknown>;
}

export function createControlPlane(deps: ControlPlaneDeps): Promise<FastifyInstance> {
  const { settings, registry, fleetActions } = deps;
  const { changes, privileges, credentials, auditAnchor } = deps.change;
  const tokens = deps.change.apiTokens;
  const configSync = (a: AgentRecord) => configSyncOf(a, fleetActions.desired.get(a.uid));
  const startedAt = Date.now();
  const apiRateLimit = { ratePerSecond: settings.apiRate, burst: settings.apiBurst };
  return buildControlPlane({
    logger: deps.logger,
    registry,
    tokens,
    metrics: deps.metrics,
    configSync,
    apiRateLimit,
    ...(deps.health ? { health: deps.health } : {}),
    limits: {
      requestTimeoutMs: settings.controlRequestTimeoutMs,
      headersTimeoutMs: settings.controlHeadersTimeoutMs,
      idleTimeoutMs: settings.controlIdleTimeoutMs,
      maxConnections: settings.controlMaxConnections,
    },
    plugins: [
      slackRoutes(deps.slack),
      (app) => whoamiRoutes(app, { tokens, mcpReadOnly: settings.mcpReadOnly }),
      (app) => tokenRoutes(app, { tokens, privileges }),
      (app) => enrollmentRoutes(app, { tokens, credentials, privileges }),
      (app) => mcpRoutes(app, { tokens, mcpReadOnly: settings.mcpReadOnly }),
      (app) => changeRoutes(app, { tokens, changes }),
      (app) => auditRoutes(app, { tokens, audit: changes.audit, anchor: auditAnchor }),
      configRoutes(fleetActions, tokens, { mcpReadOnly: settings.mcpReadOnly }),
      rolloutRoutes(fleetActions, tokens, () => changes),
      (app) => credentialRoutes(app, { tokens, rt: deps.credentialsModule.runtime }),
      eventRoutes({ tokens, changes, registry }),
      summaryRoutes({ tokens, registry, changes, configSync, rollouts: () => fleetActions.listRollouts(), startedAt }),
      ...(settings.console
        ? [
            consoleRoutes({
              sessions: deps.store.consoleSessions,
              tokens,
              sessionSeconds: settings.consoleSessionSeconds,
              idleSeconds: settings.consoleIdleSeconds,
              apiRateLimit,
            }),
          ]
        : []),
    ],
  });
}
