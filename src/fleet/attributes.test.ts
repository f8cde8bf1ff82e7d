import { describe, expect, it } from 'vitest';
import type { KeyValue } from '../gen/opamp/v1/anyvalue_pb.js';
import { create } from '@bufbuild/protobuf';
import { EffectiveConfigSchema } from '../gen/opamp/v1/opamp_pb.js';
import { effectiveConfigToFiles } from './agent-state.js';
import { formatSelector, keyValuesToJson, matchesSelector, parseSelector, SelectorSyntaxError, withFilters } from './attributes.js';

describe('attribute selectors', () => {
  const attrs = { 'service.name': 'checkout', 'deployment.environment': 'prod', replicas: 3 };

  it('matches equality and inequality clauses', () => {
    expect(matchesSelector(parseSelector('service.name=checkout,deployment.environment=prod'), attrs)).toBe(true);
    expect(matchesSelector(parseSelector('service.name=checkout, deployment.environment != prod'), attrs)).toBe(false);
    expect(matchesSelector(parseSelector('replicas=3'), attrs)).toBe(true);
    expect(matchesSelector(parseSelector('missing!=x'), attrs)).toBe(true);
    expect(matchesSelector(parseSelector(''), attrs)).toBe(true);
  });

  it('reads the reserved key healthy from the reported health, never from an attribute', () => {
    const spoof = { ...attrs, healthy: 'false' };
    expect(matchesSelector(parseSelector('healthy=false'), attrs, false)).toBe(true);
    expect(matchesSelector(parseSelector('healthy=false'), attrs, true)).toBe(false);
    expect(matchesSelector(parseSelector('healthy=false'), spoof, true)).toBe(false);
    expect(matchesSelector(parseSelector('healthy=false'), spoof, undefined)).toBe(false);
    // Never reported: neither healthy nor unhealthy, but "not healthy".
    expect(matchesSelector(parseSelector('healthy=true'), attrs, undefined)).toBe(false);
    expect(matchesSelector(parseSelector('healthy!=true'), attrs, undefined)).toBe(true);
    expect(matchesSelector(parseSelector('service.name!=payments,healthy=false'), attrs, false)).toBe(true);
    expect(matchesSelector(parseSelector('service.name!=checkout,healthy=false'), attrs, false)).toBe(false);
  });

  it('accepts only true or false for healthy', () => {
    expect(() => parseSelector('healthy=no')).toThrow(/healthy takes true or false/);
    expect(() => parseSelector('healthy!=unknown')).toThrow(SelectorSyntaxError);
    expect(formatSelector(parseSelector('healthy=false, service.name!=payments'))).toBe('healthy=false,service.name!=payments');
  });

  it('adds exclusions and a health filter to a selector', () => {
    expect(withFilters('deployment.environment=prod', ['service.name=payments', 'host.name=node-1'], false)).toBe(
      'deployment.environment=prod,service.name!=payments,host.name!=node-1,healthy=false',
    );
    expect(withFilters(undefined, ['service.name=payments'])).toBe('service.name!=payments');
    expect(withFilters('', [], true)).toBe('healthy=true');
    expect(() => withFilters('', ['payments'])).toThrow(SelectorSyntaxError);
    expect(() => withFilters('', ['a=1,b=2'])).toThrow(/one key=value/);
  });

  it('rejects malformed clauses with a message naming the clause', () => {
    expect(() => parseSelector('service.name')).toThrow(SelectorSyntaxError);
    expect(() => parseSelector('a=1,=2')).toThrow(/"=2"/);
  });

  it('formats a canonical, order-independent text', () => {
    expect(formatSelector(parseSelector('b=2, a=1'))).toBe(formatSelector(parseSelector('a=1,b=2')));
  });

  // Found by the OpAMP fuzz suite: agent-supplied keys are data, never object internals.
  it('keeps an attribute named __proto__ as a plain attribute and ignores inherited names', () => {
    const str = (value: string) => ({ $typeName: 'opamp.proto.v1.AnyValue' as const, value: { case: 'stringValue' as const, value } });
    const kvs: KeyValue[] = [
      {
        $typeName: 'opamp.proto.v1.KeyValue',
        key: '__proto__',
        value: {
          $typeName: 'opamp.proto.v1.AnyValue',
          value: {
            case: 'kvlistValue',
            value: {
              $typeName: 'opamp.proto.v1.KeyValueList',
              values: [{ $typeName: 'opamp.proto.v1.KeyValue', key: 'service.name', value: str('payments') }],
            },
          },
        },
      },
      { $typeName: 'opamp.proto.v1.KeyValue', key: 'host.name', value: str('h1') },
    ];
    const json = keyValuesToJson(kvs);
    expect(JSON.parse(JSON.stringify(json))).toEqual(JSON.parse('{"__proto__":{"service.name":"payments"},"host.name":"h1"}'));
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    expect(matchesSelector(parseSelector('service.name=payments'), json)).toBe(false);
    expect(matchesSelector(parseSelector('constructor=function Object() { [native code] }'), attrs)).toBe(false);
    expect(matchesSelector(parseSelector('toString!=x'), attrs)).toBe(true);
  });

  it('keeps an effective config file named __proto__ visible', () => {
    const ec = create(EffectiveConfigSchema, {
      configMap: { configMap: { ['__proto__']: { body: new Uint8Array(Buffer.from('hidden: true')), contentType: 'text/yaml' } } },
    });
    expect(Object.keys(ec.configMap!.configMap)).toEqual(['__proto__']); // protobuf-es keeps the key
    expect(JSON.stringify(effectiveConfigToFiles(ec))).toBe('{"__proto__":{"contentType":"text/yaml","body":"hidden: true"}}');
  });
});
