import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { AgentConfigMapSchema } from '../../gen/opamp/v1/opamp_pb.js';
import { configMapHash, toAgentConfigMap, type ConfigFiles } from './hash.js';

describe('config map hash', () => {
  it('is sha256 over the documented canonical encoding', () => {
    const expected = createHash('sha256').update('ampgate-config-map/v1\n0:9:text/yaml5:a: 1\n').digest('hex');
    expect(configMapHash({ '': { contentType: 'text/yaml', body: 'a: 1\n' } })).toBe(expected);
    // Lengths are UTF-8 byte lengths; names sort by UTF-8 bytes.
    const two = createHash('sha256').update('ampgate-config-map/v1\n1:B0:1:x1:a0:2:\u00e9').digest('hex');
    expect(configMapHash({ a: { contentType: '', body: '\u00e9' }, B: { contentType: '', body: 'x' } })).toBe(two);
  });

  it('does not depend on key insertion order and changes with any name, type or body', () => {
    const a: ConfigFiles = { 'b.yaml': { contentType: 'text/yaml', body: 'x' }, 'a.yaml': { contentType: 'text/yaml', body: 'y' } };
    const b: ConfigFiles = { 'a.yaml': { contentType: 'text/yaml', body: 'y' }, 'b.yaml': { contentType: 'text/yaml', body: 'x' } };
    expect(configMapHash(a)).toBe(configMapHash(b));
    expect(configMapHash({ '': { contentType: 'text/yaml', body: 'x' } })).not.toBe(configMapHash({ '': { contentType: 'application/json', body: 'x' } }));
    expect(configMapHash({ '': { contentType: 'text/yaml', body: 'x' } })).not.toBe(configMapHash({ 'c.yaml': { contentType: 'text/yaml', body: 'x' } }));
  });

  it('is unambiguous: moving bytes between fields never collides', () => {
    const file = fc.record({ contentType: fc.string({ maxLength: 6 }), body: fc.string({ maxLength: 12 }) });
    const files = fc.dictionary(fc.string({ maxLength: 6 }), file, { maxKeys: 3 });
    fc.assert(
      fc.property(files, files, (x, y) => {
        const canon = (f: ConfigFiles) =>
          JSON.stringify(
            Object.keys(f)
              .sort()
              .map((k) => [k, f[k]!.contentType, f[k]!.body]),
          );
        const same = canon(x) === canon(y);
        return (configMapHash(x) === configMapHash(y)) === same;
      }),
      { numRuns: 500 },
    );
    expect(configMapHash({ ab: { contentType: 'c', body: '' } })).not.toBe(configMapHash({ a: { contentType: 'bc', body: '' } }));
  });

  it('builds an AgentConfigMap that round-trips through protobuf bytes', () => {
    const files: ConfigFiles = { '': { contentType: 'text/yaml', body: 'receivers: {} # ünïcode\n' } };
    const back = fromBinary(AgentConfigMapSchema, toBinary(AgentConfigMapSchema, toAgentConfigMap(files)));
    expect(Buffer.from(back.configMap['']!.body).toString('utf8')).toBe(files['']!.body);
    expect(back.configMap['']!.contentType).toBe('text/yaml');
  });
});
