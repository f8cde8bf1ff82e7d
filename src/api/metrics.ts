/**
 * @module Prometheus metrics (prom-client), one registry per server instance so tests can run
 * several servers in one process. Exposed at GET /metrics on the control listener. Every metric
 * ampgate exports is defined here, so this file is the list (docs/metrics.md describes them and
 * docs/grafana/ampgate.json charts them); the wiring that feeds them lives next to what it
 * observes (src/app/change-metrics.ts, src/api/request-metrics.ts, src/slack/metrics.ts).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AgentRegistry } from '../fleet/registry.js';

/** prom-client default metrics whose collection is O(open sockets). */
const SOCKET_WALKING_DEFAULT_METRICS = [
  'nodejs_active_handles',
  'nodejs_active_handles_total',
  'nodejs_active_resources',
  'nodejs_active_resources_total',
  'process_open_fds',
] as const;

export class Metrics {
  readonly registry = new Registry();
  readonly messagesIn = new Counter({
    name: 'ampgate_opamp_messages_received_total',
    help: 'AgentToServer messages received',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });
  readonly messagesOut = new Counter({
    name: 'ampgate_opamp_messages_sent_total',
    help: 'ServerToAgent messages sent',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'ampgate_opamp_errors_total',
    help: 'Malformed messages, refused requests and internal errors on the OpAMP listener',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'ampgate_opamp_rejected_requests_total',
    help: 'Connections and polls refused before processing',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  // ---- change requests (labels: kind, and channel = the channel the request was proposed through)
  readonly changesProposed = new Counter({
    name: 'ampgate_change_requests_proposed_total',
    help: 'Change requests proposed (identical re-proposals that returned the open request are not counted)',
    labelNames: ['kind', 'channel'] as const,
    registers: [this.registry],
  });
  readonly changesDecided = new Counter({
    name: 'ampgate_change_requests_decided_total',
    help: 'Change requests that left the pending state: approved (all approvals in), rejected, expired or cancelled',
    labelNames: ['kind', 'channel', 'decision'] as const,
    registers: [this.registry],
  });
  readonly approvalSeconds = new Histogram({
    name: 'ampgate_change_approval_seconds',
    help: 'Time from proposal to the last required approval',
    labelNames: ['kind', 'risk'] as const,
    buckets: [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
    registers: [this.registry],
  });
  // ---- rollouts: executions of approved change requests
  readonly rolloutsStarted = new Counter({
    name: 'ampgate_rollouts_started_total',
    help: 'Approved change requests whose execution started',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly rolloutsFinished = new Counter({
    name: 'ampgate_rollouts_finished_total',
    help: 'Executions that finished, by result (succeeded, partially_failed, failed)',
    labelNames: ['kind', 'result'] as const,
    registers: [this.registry],
  });
  readonly rolloutSeconds = new Histogram({
    name: 'ampgate_rollout_duration_seconds',
    help: 'Time from the start of an execution to its result (executions resumed after a restart are not timed)',
    labelNames: ['kind'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });
  readonly rolloutAgentOutcomes = new Counter({
    name: 'ampgate_rollout_agent_outcomes_total',
    help: 'Per-agent outcomes of executions (offered, applying, succeeded, failed, skipped)',
    labelNames: ['kind', 'status'] as const,
    registers: [this.registry],
  });
  // ---- control plane, MCP and Slack
  readonly apiRequests = new Counter({
    name: 'ampgate_api_requests_total',
    help: "Control-plane HTTP requests by route template, status code and client (cli, mcp: ampgate's own tools; other)",
    labelNames: ['method', 'route', 'status', 'client'] as const,
    registers: [this.registry],
  });
  readonly apiSeconds = new Histogram({
    name: 'ampgate_api_request_duration_seconds',
    help: 'Control-plane HTTP request duration by route template',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly mcpRequests = new Counter({
    name: 'ampgate_mcp_requests_total',
    help: 'MCP (Streamable HTTP at /mcp) JSON-RPC requests by method, tool (tools/call) and HTTP status',
    labelNames: ['method', 'tool', 'status'] as const,
    registers: [this.registry],
  });
  readonly slackRequests = new Counter({
    name: 'ampgate_slack_requests_total',
    help: 'Slack requests handled (slash commands, events, button actions) by type and outcome (ok, error)',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor(agents: AgentRegistry) {
    // Default process and Node.js metrics: ampgate_process_cpu_seconds_total, ampgate_nodejs_*.
    collectDefaultMetrics({ register: this.registry, prefix: 'ampgate_' });
    // Except those that walk every open socket on each scrape (an array of all handles, a readdir of
    // /proc/self/fd): at 10-20k agents one scrape blocked the event loop for 60-140 ms, which every
    // agent waiting for a reply felt. ampgate_agents_connected counts the agents' connections.
    for (const name of SOCKET_WALKING_DEFAULT_METRICS) this.registry.removeSingleMetric(`ampgate_${name}`);
    new Gauge({
      name: 'ampgate_agents_connected',
      help: 'Agents currently connected (WebSocket open, or HTTP polled recently)',
      registers: [this.registry],
      collect() {
        this.set(agents.connectedCount);
      },
    });
    new Gauge({
      name: 'ampgate_agents_known',
      help: 'Agents known to the registry',
      registers: [this.registry],
      collect() {
        this.set(agents.size);
      },
    });
  }

  /** Exposes the number of open agent WebSockets (ampgate_opamp_websocket_connections). */
  trackOpenSockets(count: () => number): void {
    new Gauge({
      name: 'ampgate_opamp_websocket_connections',
      help: 'Open agent WebSocket connections (one connection may carry several agents)',
      registers: [this.registry],
      collect() {
        this.set(count());
      },
    });
  }
}
