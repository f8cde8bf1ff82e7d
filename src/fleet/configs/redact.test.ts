import { describe, expect, it } from 'vitest';
import { redactConfigText } from './redact.js';

describe('config redaction', () => {
  it('hides secret-looking values in YAML, JSON and Fluent Bit syntax but keeps structure', () => {
    const yaml = [
      'exporters:',
      '  otlphttp:',
      '    endpoint: https://otlp.example.com',
      '    headers:',
      '      Authorization: "Bearer abcdefghijklmnop"',
      '      api-key: s3cr3t-value',
      '    password: ${env:PASSWORD}',
    ].join('\n');
    const out = redactConfigText(yaml);
    expect(out).toContain('endpoint: https://otlp.example.com');
    expect(out).not.toContain('abcdefghijklmnop');
    expect(out).not.toContain('s3cr3t-value');
    expect(out).toContain('password: ${env:PASSWORD}'); // references are not secrets
    expect(redactConfigText('{"token": "xyz123", "name": "a"}')).not.toContain('xyz123');
    expect(redactConfigText('[OUTPUT]\n    Name http\n    http_Passwd hunter2\n')).not.toContain('hunter2');
    expect(redactConfigText('key: |\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----')).not.toContain('MHcCAQEE');
  });
});
