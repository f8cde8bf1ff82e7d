/**
 * @module Prometheus metrics (prom-client), one registry per server instance so tests can run
 * several servers in one process. Exposed at GET /metrics on the control listener.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { AgentRegistry } from '../fleet/registry.js';

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

  constructor(agents: AgentRegistry) {
    collectDefaultMetrics({ register: this.registry, prefix: 'ampgate_process_' });
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
