import { describe, expect, it } from 'vitest';
import { pauseConfigFor } from './pause-config.js';
import { stillRunning } from './still-running.js';

const yaml = (body: string) => ({ '': { contentType: 'text/yaml', body } });
const local =
  `receivers:\n  otlp:\n    protocols:\n      grpc: {}\nexporters:\n  otlp:\n    endpoint: localhost:1111\nservice:\n  pipelines:\n    ` +
  `traces:\n      receivers: [otlp]\n      exporters: [otlp]\n`;

describe('stillRunning', () => {
  it('finds nothing running in the stand-in, also with the OpAMP extension the Supervisor adds', () => {
    const stand = pauseConfigFor(yaml(local));
    if ('reason' in stand) throw new Error(stand.reason);
    expect(stillRunning(stand.files)).toEqual([]);
    const supervised = `${stand.files['']!.body}extensions:\n  opamp:\n    server:\n      ws:\n        endpoint: ws://127.0.0.1:4000/v1/opamp\n`.replace(
      'service:\n',
      'service:\n  extensions: [opamp]\n',
    );
    expect(stillRunning(yaml(supervised))).toEqual([]);
  });

  it('finds the local pipeline an agent kept by merging the stand-in onto its local config', () => {
    const merged = `${local.replace('    traces:\n', '    traces/ampgate-paused:\n      receivers: [nop]\n      exporters: [nop]\n    traces:\n')}`.replace(
      'receivers:\n  otlp:',
      'receivers:\n  nop: {}\n  otlp:',
    );
    expect(stillRunning(yaml(merged))).toEqual(['pipeline traces (receivers: otlp)']);
  });

  it('reads Fluent Bit inputs and JSON Collector configs', () => {
    expect(stillRunning({ 'fb.conf': { contentType: 'text/plain', body: '[SERVICE]\n    Flush 5\n[INPUT]\n    Name tail\n    Path /var/log/x\n' } })).toEqual([
      'input(s) tail',
    ]);
    expect(stillRunning({ 'fb.conf': { contentType: 'text/plain', body: '[SERVICE]\n    Flush 5\n' } })).toEqual([]);
    const json = JSON.stringify({
      receivers: { otlp: {} },
      exporters: { debug: {} },
      service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['debug'] } } },
    });
    expect(stillRunning({ 'c.json': { contentType: 'application/json', body: json } })).toEqual(['pipeline logs (receivers: otlp)']);
  });
});
