/**
 * @module Prometheus counters of the credentials module. A failed rotation is an alert condition:
 * `increase(ampgate_credential_rotation_failures_total[15m]) > 0`.
 */
import { Counter, type Registry } from 'prom-client';

export class CredentialMetrics {
  readonly rotations: Counter<'credential' | 'result'>;
  readonly failures: Counter<'credential'>;
  readonly csr: Counter<'result'>;

  constructor(registry: Registry) {
    this.rotations = new Counter({
      name: 'ampgate_credential_rotations_total',
      help: 'Per-agent credential rotations finished, by credential kind and result (rotated, failed)',
      labelNames: ['credential', 'result'] as const,
      registers: [registry],
    });
    this.failures = new Counter({
      name: 'ampgate_credential_rotation_failures_total',
      help: 'Per-agent credential rotations that failed (agent kept its old credential); alert on any increase',
      labelNames: ['credential'] as const,
      registers: [registry],
    });
    this.csr = new Counter({
      name: 'ampgate_csr_requests_total',
      help: 'Agent certificate signing requests (connection_settings_request), by result (issued, refused)',
      labelNames: ['result'] as const,
      registers: [registry],
    });
  }
}
