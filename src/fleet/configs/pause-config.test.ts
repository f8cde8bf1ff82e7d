import { describe, expect, it } from 'vitest';
import { pauseConfigFor } from './pause-config.js';
import { validateConfig } from './validate.js';

describe('pause configs', () => {
  it('makes a valid nop-pipeline Collector config under the prior file key and content type', () => {
    const prior = {
      'collector.yaml': {
        contentType: 'text/yaml',
        body: 'receivers:\n  otlp: {}\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [debug]\n',
      },
    };
    const p = pauseConfigFor(prior);
    if ('reason' in p) throw new Error(p.reason);
    expect(Object.keys(p.files)).toEqual(['collector.yaml']);
    expect(validateConfig('text/yaml', p.files['collector.yaml']!.body)).toEqual({ ok: true, flavor: 'otel-collector' });
    const json = pauseConfigFor({ '': { contentType: 'application/json', body: JSON.stringify({ receivers: { a: {} }, exporters: { b: {} }, service: {} }) } });
    if ('reason' in json) throw new Error(json.reason);
    expect(validateConfig('application/json', json.files['']!.body)).toEqual({ ok: true, flavor: 'otel-collector' });
  });

  it('makes a Fluent Bit config with no inputs, and refuses unknown agents', () => {
    const fb = pauseConfigFor({ '': { contentType: 'text/plain', body: '[INPUT]\n    Name cpu\n' } });
    if ('reason' in fb) throw new Error(fb.reason);
    expect(validateConfig('text/plain', fb.files['']!.body)).toEqual({ ok: true, flavor: 'fluent-bit' });
    expect(fb.files['']!.body).not.toMatch(/\[INPUT\]/);
    expect(pauseConfigFor({ '': { contentType: 'text/yaml', body: 'log_level: debug\n' } })).toHaveProperty('reason');
  });
});
