/**
 * @module Pre-encoded AgentToServer bodies shared by every simulated agent of a worker: the full
 * state of each agent group (capabilities, description, a ~2 KB collector config as effective
 * config, remote config status), the heartbeat body, and the APPLYING / APPLIED reports for each
 * remote config seen. Bodies exclude instance_uid, sequence_num and health, which `codec.ts`
 * writes per message.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { AgentCapabilities, AgentToServerSchema, RemoteConfigStatuses, type AgentConfigMap } from '../../src/gen/opamp/v1/opamp_pb.js';
import type { KeyValue } from '../../src/gen/opamp/v1/anyvalue_pb.js';

/** What a simulated agent advertises: the capabilities of a Collector under the OpAMP Supervisor. */
export const SIM_CAPABILITIES: bigint =
  BigInt(AgentCapabilities.AgentCapabilities_ReportsStatus) |
  BigInt(AgentCapabilities.AgentCapabilities_AcceptsRemoteConfig) |
  BigInt(AgentCapabilities.AgentCapabilities_ReportsEffectiveConfig) |
  BigInt(AgentCapabilities.AgentCapabilities_ReportsRemoteConfig) |
  BigInt(AgentCapabilities.AgentCapabilities_ReportsHealth) |
  BigInt(AgentCapabilities.AgentCapabilities_ReportsHeartbeat);

/** A shared full-state body: what an agent of `group` running `configHashHex` reports. */
export interface Profile {
  readonly group: number;
  /** Hex of the remote config hash this profile reports as APPLIED ('' before any remote config). */
  readonly configHashHex: string;
  readonly full: Uint8Array;
}

/** Reports sent while applying one remote config. */
export interface ConfigReports {
  readonly hashHex: string;
  readonly applying: Uint8Array;
  /** APPLIED status plus the new effective config. */
  readonly applied: Uint8Array;
}

function kv(attrs: Record<string, string>): KeyValue[] {
  return Object.entries(attrs).map(([key, v]) => ({
    $typeName: 'opamp.proto.v1.KeyValue' as const,
    key,
    value: { $typeName: 'opamp.proto.v1.AnyValue' as const, value: { case: 'stringValue' as const, value: v } },
  }));
}

/**
 * A realistic OpenTelemetry Collector config of about 2 KB (the size the ingest target assumes).
 * `variant` changes a few values so groups report different configs.
 */
export function collectorYaml(variant: number): string {
  const lines = [
    'receivers:',
    '  otlp:',
    '    protocols:',
    '      grpc:',
    '        endpoint: 0.0.0.0:4317',
    '      http:',
    '        endpoint: 0.0.0.0:4318',
    '  hostmetrics:',
    `    collection_interval: ${30 + variant}s`,
    '    scrapers:',
    '      cpu: {}',
    '      memory: {}',
    '      disk: {}',
    '      filesystem: {}',
    '      network: {}',
    '      load: {}',
    '  filelog:',
    '    include: [/var/log/app/*.log, /var/log/syslog]',
    '    start_at: end',
    '    operators:',
    '      - type: json_parser',
    '        timestamp: { parse_from: attributes.time, layout: "%Y-%m-%dT%H:%M:%S.%fZ" }',
    '      - type: severity_parser',
    '        parse_from: attributes.level',
    'processors:',
    '  memory_limiter:',
    '    check_interval: 1s',
    '    limit_percentage: 80',
    '    spike_limit_percentage: 20',
    '  batch:',
    `    send_batch_size: ${8192 + variant}`,
    '    send_batch_max_size: 16384',
    '    timeout: 5s',
    '  resourcedetection:',
    '    detectors: [env, system, docker]',
    '    timeout: 2s',
    '  attributes/env:',
    '    actions:',
    '      - key: deployment.environment',
    '        value: production',
    '        action: upsert',
    '  filter/health:',
    '    error_mode: ignore',
    '    traces:',
    '      span:',
    '        - attributes["http.route"] == "/healthz"',
    'exporters:',
    '  otlp/gateway:',
    '    endpoint: gateway.observability.svc:4317',
    '    tls:',
    '      ca_file: /etc/otel/ca.pem',
    '    sending_queue:',
    '      enabled: true',
    '      num_consumers: 10',
    '      queue_size: 5000',
    '    retry_on_failure:',
    '      enabled: true',
    '      initial_interval: 5s',
    '      max_interval: 30s',
    '      max_elapsed_time: 300s',
    '  debug:',
    '    verbosity: basic',
    'extensions:',
    '  health_check:',
    '    endpoint: 0.0.0.0:13133',
    '  pprof:',
    '    endpoint: localhost:1777',
    'service:',
    '  extensions: [health_check, pprof]',
    '  telemetry:',
    '    metrics:',
    '      level: normal',
    '  pipelines:',
    '    traces:',
    '      receivers: [otlp]',
    '      processors: [memory_limiter, resourcedetection, attributes/env, filter/health, batch]',
    '      exporters: [otlp/gateway]',
    '    metrics:',
    '      receivers: [otlp, hostmetrics]',
    '      processors: [memory_limiter, resourcedetection, attributes/env, batch]',
    '      exporters: [otlp/gateway]',
    '    logs:',
    '      receivers: [otlp, filelog]',
    '      processors: [memory_limiter, resourcedetection, attributes/env, batch]',
    '      exporters: [otlp/gateway]',
  ];
  return `${lines.join('\n')}\n`;
}

function configMapOf(files: Record<string, { body: Uint8Array; contentType: string }>): AgentConfigMap {
  return create(AgentToServerSchema, { effectiveConfig: { configMap: { configMap: files } } }).effectiveConfig!.configMap!;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Builds and caches the shared bodies; one instance per worker process. */
export class ProfileBook {
  readonly heartbeat: Uint8Array = toBinary(AgentToServerSchema, create(AgentToServerSchema, { capabilities: SIM_CAPABILITIES }));
  readonly #profiles = new Map<string, Profile>();
  readonly #reports = new Map<string, ConfigReports>();
  readonly #configMaps = new Map<string, AgentConfigMap>();

  constructor(readonly groups: number) {}

  /** The full state of a freshly started agent of `group` (no remote config applied yet). */
  initial(group: number): Profile {
    return this.#profile(group, '', undefined);
  }

  /** The full state of an agent of `group` after it applied the remote config `hashHex`. */
  applied(group: number, hashHex: string): Profile {
    return this.#profile(group, hashHex, this.#configMaps.get(hashHex));
  }

  /** Registers a received remote config and returns the reports an agent sends while applying it. */
  reportsFor(hash: Uint8Array, config: AgentConfigMap | undefined): ConfigReports {
    const hashHex = hex(hash);
    let r = this.#reports.get(hashHex);
    if (r) return r;
    const map = config ?? configMapOf({});
    this.#configMaps.set(hashHex, map);
    r = {
      hashHex,
      applying: toBinary(
        AgentToServerSchema,
        create(AgentToServerSchema, {
          capabilities: SIM_CAPABILITIES,
          remoteConfigStatus: { lastRemoteConfigHash: hash, status: RemoteConfigStatuses.RemoteConfigStatuses_APPLYING },
        }),
      ),
      applied: toBinary(
        AgentToServerSchema,
        create(AgentToServerSchema, {
          capabilities: SIM_CAPABILITIES,
          remoteConfigStatus: { lastRemoteConfigHash: hash, status: RemoteConfigStatuses.RemoteConfigStatuses_APPLIED },
          effectiveConfig: { configMap: map },
        }),
      ),
    };
    this.#reports.set(hashHex, r);
    return r;
  }

  #profile(group: number, hashHex: string, remote: AgentConfigMap | undefined): Profile {
    const key = `${group}|${hashHex}`;
    let p = this.#profiles.get(key);
    if (p) return p;
    const effective = remote ?? configMapOf({ 'collector.yaml': { body: Buffer.from(collectorYaml(group)), contentType: 'text/yaml' } });
    const full = toBinary(
      AgentToServerSchema,
      create(AgentToServerSchema, {
        capabilities: SIM_CAPABILITIES,
        agentDescription: {
          identifyingAttributes: kv({ 'service.name': `bench-svc-${group}`, 'service.namespace': 'ampgate-bench' }),
          nonIdentifyingAttributes: kv({ 'os.type': 'linux', 'host.arch': 'amd64', 'bench.group': String(group), 'service.version': '0.119.0' }),
        },
        effectiveConfig: { configMap: effective },
        remoteConfigStatus:
          hashHex === ''
            ? { status: RemoteConfigStatuses.RemoteConfigStatuses_UNSET }
            : { lastRemoteConfigHash: Buffer.from(hashHex, 'hex'), status: RemoteConfigStatuses.RemoteConfigStatuses_APPLIED },
      }),
    );
    p = { group, configHashHex: hashHex, full };
    this.#profiles.set(key, p);
    return p;
  }
}
