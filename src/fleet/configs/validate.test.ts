import { describe, expect, it } from 'vitest';
import { normalizeContentType, validateConfig, type ConfigProblem } from './validate.js';

const GOOD_COLLECTOR = `receivers:
  otlp:
    protocols:
      grpc: {}
processors:
  batch: {}
exporters:
  debug: {}
  otlphttp/backend:
    endpoint: https://example.com
connectors:
  forward: {}
extensions:
  health_check: {}
service:
  extensions: [health_check]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [forward]
    traces/out:
      receivers: [forward]
      exporters: [otlphttp/backend, debug]
`;

function problems(ct: 'text/yaml' | 'application/json' | 'text/plain', body: string): readonly ConfigProblem[] {
  const r = validateConfig(ct, body);
  if (r.ok) throw new Error(`expected problems, got ok (${r.flavor})`);
  return r.problems;
}

describe('config validation', () => {
  it('accepts a correctly wired Collector config and plain YAML/JSON', () => {
    expect(validateConfig('text/yaml', GOOD_COLLECTOR)).toEqual({ ok: true, flavor: 'otel-collector' });
    expect(validateConfig('text/yaml', 'log_level: debug\nitems: [1, 2]\n')).toEqual({ ok: true, flavor: 'yaml' });
    expect(validateConfig('application/json', '{"sampling": 0.5}')).toEqual({ ok: true, flavor: 'json' });
  });

  it('reports the YAML parser message with its line and column', () => {
    expect(problems('text/yaml', 'receivers:\n  otlp: {}\nexporters:\n  debug: {}\n otlp: {}\n')[0]).toEqual({
      message: 'YAML: All mapping items must start at the same column',
      line: 5,
      column: 1,
    });
    expect(problems('text/yaml', 'service:\n  pipelines: x: y\n')[0]).toMatchObject({ line: 2, column: 14 });
    const dup = problems('text/yaml', 'a: 1\nb: 2\na: 3\n');
    expect(dup[0]).toMatchObject({ line: 3, column: 1 });
    expect(dup[0]!.message).toMatch(/unique/);
  });

  it('reports JSON syntax errors with a line and column computed from the position', () => {
    const p = problems('application/json', '{\n  "a": 1,\n  "b" 2\n}');
    expect(p[0]!.message).toMatch(/^JSON: /);
    expect(p[0]).toMatchObject({ line: 3, column: 7 });
  });

  it('refuses Collector configs with undefined components, naming them with their line', () => {
    const body = GOOD_COLLECTOR.replace('processors: [batch]', 'processors: [batch, memory_limiter]').replace(
      'exporters: [otlphttp/backend, debug]',
      'exporters: [otlphttp/missing]',
    );
    const p = problems('text/yaml', body);
    expect(p.map((x) => x.message)).toEqual([
      'pipeline "traces" references processor "memory_limiter", which is not defined under processors',
      'pipeline "traces/out" references exporter "otlphttp/missing", which is not defined under exporters (or connectors)',
    ]);
    expect(p[0]).toMatchObject({ line: 20, column: 27 });
    expect(p[1]).toMatchObject({ line: 24, column: 19 });
  });

  it('refuses Collector configs without receivers, exporters or pipelines, and unknown signals', () => {
    expect(
      problems('text/yaml', 'exporters:\n  debug: {}\nservice:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [debug]\n').map(
        (p) => p.message,
      ),
    ).toEqual(['the config defines no receivers', 'pipeline "traces" references receiver "otlp", which is not defined under receivers (or connectors)']);
    expect(problems('text/yaml', 'receivers:\n  otlp: {}\nexporters:\n  debug: {}\n')[0]!.message).toBe('the config has no "service" section');
    expect(problems('text/yaml', 'receivers:\n  otlp: {}\nexporters:\n  debug: {}\nservice:\n  pipelines: {}\n')[0]).toMatchObject({
      message: 'service.pipelines must define at least one pipeline',
      line: 6,
    });
    const p = problems('text/yaml', 'receivers:\n  otlp: {}\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    spans:\n      receivers: [otlp]\n');
    expect(p.map((x) => x.message)).toEqual([
      'pipeline "spans": unknown signal "spans" (expected traces, metrics, logs or profiles, optionally /name)',
      'pipeline "spans" has no exporters',
    ]);
    expect(p[0]!.line).toBe(7);
  });

  it('checks connectors on both sides and service.extensions', () => {
    const body = GOOD_COLLECTOR.replace('receivers: [forward]', 'receivers: [otlp]').replace('extensions: [health_check]', 'extensions: [health_check, pprof]');
    expect(problems('text/yaml', body).map((x) => x.message)).toEqual([
      'connector "forward" must be used as an exporter in one pipeline and as a receiver in another',
      'service.extensions references "pprof", which is not defined under extensions',
    ]);
  });

  it('validates Collector configs written as JSON, with lines', () => {
    const json = JSON.stringify(
      { receivers: { otlp: {} }, exporters: { debug: {} }, service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['nope'] } } } },
      null,
      2,
    );
    const p = problems('application/json', json);
    expect(p[0]!.message).toBe('pipeline "logs" references exporter "nope", which is not defined under exporters (or connectors)');
    expect(p[0]!.line).toBe(json.split('\n').findIndex((l) => l.includes('"nope"')) + 1);
  });

  it('checks Fluent Bit classic section syntax', () => {
    const good = '[SERVICE]\n    Flush 1\n\n[INPUT]\n    Name cpu\n    Tag  cpu.local\n\n[OUTPUT]\n    Name  stdout\n    Match *\n';
    expect(validateConfig('text/plain', good)).toEqual({ ok: true, flavor: 'fluent-bit' });
    expect(validateConfig('text/plain', '@INCLUDE inputs.conf\n@SET env=prod\n')).toEqual({ ok: true, flavor: 'fluent-bit' });
    expect(problems('text/plain', '[INPUT\n    Name cpu\n')[0]).toMatchObject({
      message: 'malformed section header "[INPUT" (expected e.g. [INPUT])',
      line: 1,
    });
    expect(problems('text/plain', '[OUTPUT]\n    Match *\n')[0]).toMatchObject({ message: '[OUTPUT] section has no Name entry', line: 1 });
    expect(problems('text/plain', '[INPUT]\nName cpu\n')[0]).toMatchObject({ message: 'entry "Name cpu" must be indented under [INPUT]', line: 2 });
    expect(problems('text/plain', '[INPUT]\n    Name cpu\n  Tag x\n')[0]).toMatchObject({ line: 3 });
    expect(problems('text/plain', '[INPUT]\n    Name\n')[0]).toMatchObject({ message: 'key "Name" in [INPUT] has no value', line: 2, column: 5 });
    expect(problems('text/plain', '[INPUTS]\n    Name cpu\n')[0]!.message).toMatch(/unknown section \[INPUTS\]/);
    expect(problems('text/plain', 'just some text\n')[0]!.message).toMatch(/outside of any \[SECTION\]/);
  });

  it('refuses literal secrets (shown to approvers, Slack, MCP) but accepts environment references', () => {
    const inline = GOOD_COLLECTOR.replace('endpoint: https://example.com', 'endpoint: https://example.com\n    headers:\n      Authorization: "Bearer abc123"');
    expect(problems('text/yaml', inline)[0]).toMatchObject({
      line: 12,
      message: expect.stringMatching(/^"Authorization" holds a literal secret; reference it .*\$\{env:AUTHORIZATION\}/),
    });
    const ref = GOOD_COLLECTOR.replace(
      'endpoint: https://example.com',
      'endpoint: https://example.com\n    headers:\n      Authorization: "Bearer ${env:BACKEND_TOKEN}"',
    );
    expect(validateConfig('text/yaml', ref)).toEqual({ ok: true, flavor: 'otel-collector' });
    expect(problems('application/json', '{"client_auth": {"username": "u", "password": "hunter2"}}')[0]!.message).toMatch(/^"password" holds a literal secret/);
    expect(problems('text/plain', '[OUTPUT]\n    Name        http\n    HTTP_Passwd s3cret\n')[0]).toMatchObject({ line: 3, column: 17 });
    expect(validateConfig('text/plain', '[OUTPUT]\n    Name        http\n    HTTP_Passwd ${HTTP_PASSWORD}\n')).toEqual({ ok: true, flavor: 'fluent-bit' });
    expect(problems('text/yaml', `note: ampe_${'A'.repeat(43)}\n`)[0]!.message).toMatch(/contains an ampgate token/);
    // Ordinary keys that merely contain the word are fine.
    expect(validateConfig('text/yaml', 'key: service.name\ntoken_file: /var/run/token\npasswords_rotated: "yes"\n')).toEqual({ ok: true, flavor: 'yaml' });
  });

  it('refuses empty bodies and normalizes content type aliases', () => {
    expect(problems('text/yaml', '  \n')[0]!.message).toBe('the config body is empty');
    expect(normalizeContentType('application/x-yaml; charset=utf-8')).toBe('text/yaml');
    expect(normalizeContentType('application/json')).toBe('application/json');
    expect(normalizeContentType('application/xml')).toBeUndefined();
  });
});
