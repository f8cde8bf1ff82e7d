/**
 * @module "Nothing runs" configs for pausing agents that lack the io.opentelemetry.pause custom
 * capability but accept remote config. The pause config replaces the agent's config; the prior
 * config is remembered by hash and re-offered unchanged on resume.
 *
 * - OpenTelemetry Collector (YAML or JSON): one pipeline from the `nop` receiver to the `nop`
 *   exporter. A Collector needs at least one pipeline to start; nop components exist in the
 *   Collector core and contrib distributions, accept everything and emit nothing. A
 *   Supervisor-managed Collector keeps its OpAMP connection (the Supervisor adds its own opamp
 *   extension to whatever config it runs), so it can be resumed.
 * - Fluent Bit classic (.conf): a [SERVICE] section alone: no input, no output.
 * - Anything else (plain YAML/JSON of an unknown agent): ampgate cannot know what "nothing runs"
 *   means for it, so such agents are ineligible for the fallback.
 */
import { configMapHash, sortedNames, type ConfigFiles } from './hash.js';
import { flavorOf } from './validate.js';

const PAUSE_MARKER = 'paused by ampgate';

const COLLECTOR_YAML = `# ${PAUSE_MARKER}: no telemetry flows until resume restores the prior config.
receivers:
  nop: {}
exporters:
  nop: {}
service:
  pipelines:
    traces/ampgate-paused:
      receivers: [nop]
      exporters: [nop]
`;

const COLLECTOR_JSON = `${JSON.stringify(
  { receivers: { nop: {} }, exporters: { nop: {} }, service: { pipelines: { 'traces/ampgate-paused': { receivers: ['nop'], exporters: ['nop'] } } } },
  null,
  2,
)}\n`;

const FLUENT_BIT = `# ${PAUSE_MARKER}: no inputs and no outputs until resume restores the prior config.
[SERVICE]
    Flush     5
    Log_Level info
`;

export interface PauseConfig {
  readonly files: ConfigFiles;
  readonly hash: string;
  /** e.g. "OpenTelemetry Collector nop pipeline (YAML)". */
  readonly description: string;
}

/**
 * The pause config for an agent whose prior config is `prior`, or a reason why none can be made.
 * The pause file keeps the key and content type of the prior config's main file, so the agent
 * (or its Supervisor) reads it from the same place.
 */
export function pauseConfigFor(prior: ConfigFiles): PauseConfig | { readonly reason: string } {
  for (const name of sortedNames(prior)) {
    const f = prior[name]!;
    const flavor = flavorOf(f.contentType, f.body);
    if (flavor === 'otel-collector') {
      const json = f.contentType.toLowerCase().includes('json');
      const files: ConfigFiles = { [name]: { contentType: f.contentType || 'text/yaml', body: json ? COLLECTOR_JSON : COLLECTOR_YAML } };
      return { files, hash: configMapHash(files), description: `OpenTelemetry Collector nop pipeline (${json ? 'JSON' : 'YAML'})` };
    }
    if (flavor === 'fluent-bit') {
      const files: ConfigFiles = { [name]: { contentType: f.contentType || 'text/plain', body: FLUENT_BIT } };
      return { files, hash: configMapHash(files), description: 'Fluent Bit [SERVICE] only (no inputs, no outputs)' };
    }
  }
  return { reason: 'its config is neither an OpenTelemetry Collector nor a Fluent Bit config, so ampgate knows no "nothing runs" config for it' };
}
