/**
 * @module Composition of the agent-facing OpAMP listener: the per-message session over the Fleet,
 * the WebSocket and plain-HTTP transports, admission control, per-source connection limits and
 * the authenticator the credentials module chose.
 */
import type { Settings } from '../config.js';
import type { AgentCredentials } from '../creds/agent-credentials.js';
import type { CredentialsModule } from '../creds/module.js';
import type { Fleet } from '../fleet/fleet.js';
import type { Metrics } from '../api/metrics.js';
import { Admission } from '../opamp/admission.js';
import { HttpTransport } from '../opamp/http-transport.js';
import { OpampListener, type WebSocketTransport } from '../opamp/listener.js';
import { OpampSession } from '../opamp/session.js';
import { SourceConnectionLimiter } from '../opamp/source-limit.js';
import { WsRelay } from '../opamp/ws-relay.js';
import { WsTransport } from '../opamp/ws-transport.js';
import type { Logger } from '../shared/log.js';

export interface AgentListenerDeps {
  readonly settings: Settings;
  readonly fleet: Fleet;
  readonly credentials: AgentCredentials;
  readonly credentialsModule: CredentialsModule;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** The previous process stopped cleanly and no other process writes the store (clean-shutdown.ts). */
  readonly storedStateComplete: boolean;
}

export function createAgentListener(deps: AgentListenerDeps): OpampListener {
  const { settings, metrics, logger } = deps;
  // Label children resolved once: a labelled inc() hashes its labels on every call (per message).
  const messagesIn = { ws: metrics.messagesIn.labels({ transport: 'ws' }), http: metrics.messagesIn.labels({ transport: 'http' }) };
  const messagesOut = { ws: metrics.messagesOut.labels({ transport: 'ws' }), http: metrics.messagesOut.labels({ transport: 'http' }) };
  const session = new OpampSession(
    deps.fleet,
    {
      onMessage: (t) => messagesIn[t].inc(),
      onSent: (t, n) => messagesOut[t].inc(n),
      onError: (reason) => metrics.errors.inc({ reason }),
    },
    {
      ...(settings.agentAuth === 'none' ? {} : { isEstablished: (uid: string) => deps.credentials.isEstablished(uid) }),
      storedStateComplete: deps.storedStateComplete,
      attributeLimits: {
        maxAttributes: settings.maxAgentAttributes,
        maxAttributeBytes: settings.maxAgentAttributeBytes,
        maxDescriptionBytes: settings.maxAgentDescriptionBytes,
      },
    },
  );
  const onInternalError = (err: unknown) => {
    metrics.errors.inc({ reason: 'internal' });
    logger.error({ err }, 'internal error while processing an agent message');
  };
  const wsEvents = {
    onSent: (n: number) => messagesOut.ws.inc(n),
    onMalformed: (reason: string) => metrics.errors.inc({ reason }),
    onDropped: (reason: string) => metrics.errors.inc({ reason }),
    onInternalError,
  };
  const wsOptions = { maxMessageBytes: settings.maxMessageBytes, pingIntervalMs: settings.pingIntervalMs };
  const tls = deps.credentialsModule.tlsOptions;
  if (settings.wireProcesses > 0 && tls) {
    logger.warn('AMPGATE_WIRE_PROCESSES is ignored: the agent listener speaks TLS, and a TLS session cannot move to another process');
  }
  const ws: WebSocketTransport =
    settings.wireProcesses > 0 && !tls
      ? new WsRelay(
          session,
          {
            ...wsEvents,
            onWireExit: (pid, code, signal) => {
              metrics.errors.inc({ reason: 'wire_process_exit' });
              logger.error({ pid, code, signal }, 'a wire process exited: its agents were disconnected and reconnect; it is started again');
            },
          },
          { ...wsOptions, processes: settings.wireProcesses, keepSocket: (socket) => sourceLimit.keep(socket) },
        )
      : new WsTransport(session, wsEvents, wsOptions);
  metrics.trackOpenSockets(() => ws.openConnections);
  const http = new HttpTransport(
    session,
    {
      onSent: (n) => messagesOut.http.inc(n),
      onMalformed: (reason) => metrics.errors.inc({ reason }),
      onInternalError,
    },
    {
      maxMessageBytes: settings.maxMessageBytes,
      inFlightBytes: settings.agentInFlightBytes,
      bodyTimeoutMs: settings.agentBodyTimeoutMs,
      retryAfterSeconds: settings.retryAfterSeconds,
    },
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
      logger.warn(
        { address, open, limit: settings.maxConnectionsPerSource },
        'an agent source address is over AMPGATE_MAX_CONNECTIONS_PER_SOURCE; its new connections get 429 (agents behind one NAT or proxy? raise the ' +
          'limit, or 0 for none)',
      ),
  });
  return new OpampListener(
    {
      host: settings.opampListen.host,
      port: settings.opampListen.port,
      path: settings.opampPath,
      tls,
      sourceLimit,
      requestTimeoutMs: settings.agentBodyTimeoutMs + 5_000,
    },
    deps.credentialsModule.authenticator,
    admission,
    ws,
    http,
    { onRejected: (reason) => metrics.rejected.inc({ reason }) },
  );
}
