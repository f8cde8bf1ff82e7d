import { describe, expect, it } from 'vitest';
import { agentKind, configKind, kindMismatch } from './flavor-match.js';

const COLLECTOR = 'receivers:\n  otlp: {}\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [debug]\n';
const FLUENT_BIT = '[SERVICE]\n    Flush 1\n[INPUT]\n    Name tail\n    Path /var/log/*.log\n[OUTPUT]\n    Name stdout\n    Match *\n';

const agent = (uid: string, body: string | undefined, attrs: Record<string, string> = {}) => ({
  uid,
  attributes: attrs,
  effectiveConfigJson: body === undefined ? undefined : JSON.stringify({ '': { contentType: body.startsWith('[') ? 'text/plain' : 'text/yaml', body } }),
});

describe('config and agent kinds', () => {
  it('reads a config map and an agent’s effective config', () => {
    expect(configKind({ 'c.yaml': { contentType: 'text/yaml', body: COLLECTOR } })).toBe('otel-collector');
    expect(configKind({ 'fb.conf': { contentType: 'text/plain', body: FLUENT_BIT } })).toBe('fluent-bit');
    expect(configKind({ 'x.yaml': { contentType: 'text/yaml', body: 'a: 1\n' } })).toBeUndefined();
    expect(agentKind(agent('a', COLLECTOR))).toBe('otel-collector');
    expect(agentKind(agent('b', FLUENT_BIT))).toBe('fluent-bit');
  });

  it('falls back to service.name, and knows nothing about other agents', () => {
    expect(agentKind(agent('a', undefined, { 'service.name': 'otelcol-contrib' }))).toBe('otel-collector');
    expect(agentKind(agent('b', undefined, { 'service.name': 'fluent-bit' }))).toBe('fluent-bit');
    expect(agentKind(agent('c', undefined, { 'service.name': 'checkout' }))).toBeUndefined();
  });
});

describe('kindMismatch', () => {
  const fb = { 'fb.conf': { contentType: 'text/plain', body: FLUENT_BIT } };
  it('warns when a Fluent Bit config goes to Collectors, naming how many and which', () => {
    const targets = [agent('u1', COLLECTOR), agent('u2', COLLECTOR), agent('u3', undefined, { 'service.name': 'checkout' })];
    expect(kindMismatch('logs v2', fb, targets)).toEqual({
      warning:
        'warning: logs v2 is a Fluent Bit config, but 2 of 3 target agents run an OpenTelemetry Collector (u1, u2); they would most likely fail to apply it',
      count: 2,
    });
  });

  it('warns the other way round, and stays quiet when kinds agree or are unknown', () => {
    const gw = { 'c.yaml': { contentType: 'text/yaml', body: COLLECTOR } };
    expect(kindMismatch('gw v1', gw, [agent('f1', FLUENT_BIT)])?.warning).toMatch(
      /^warning: gw v1 is an OpenTelemetry Collector config, but 1 of 1 target agents run Fluent Bit \(f1\)/,
    );
    expect(kindMismatch('gw v1', gw, [agent('c1', COLLECTOR), agent('x', undefined)])).toBeUndefined();
    expect(kindMismatch('plain v1', { 'x.yaml': { contentType: 'text/yaml', body: 'a: 1\n' } }, [agent('f1', FLUENT_BIT)])).toBeUndefined();
  });
});
