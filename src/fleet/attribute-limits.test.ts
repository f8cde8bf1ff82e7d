import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { AgentDescriptionSchema } from '../gen/opamp/v1/opamp_pb.js';
import { descriptionProblem } from './attribute-limits.js';

const str = (value: string) => ({ value: { case: 'stringValue' as const, value } });
const limits = { maxAttributes: 5, maxAttributeBytes: 100, maxDescriptionBytes: 300 };

describe('agent description bounds', () => {
  it('counts nested entries and array items, measures keys and values in UTF-8 bytes', () => {
    const ok = create(AgentDescriptionSchema, { identifyingAttributes: [{ key: 'service.name', value: str('checkout') }] });
    expect(descriptionProblem(ok, limits)).toBeUndefined();
    const nested = create(AgentDescriptionSchema, {
      nonIdentifyingAttributes: [
        { key: 'list', value: { value: { case: 'arrayValue', value: { values: [str('a'), str('b'), str('c'), str('d'), str('e')] } } } },
      ],
    });
    expect(descriptionProblem(nested, limits)).toMatch(/6 attributes; at most 5.*AMPGATE_MAX_AGENT_ATTRIBUTES/);
    const wide = create(AgentDescriptionSchema, { nonIdentifyingAttributes: [{ key: 'k', value: str('é'.repeat(60)) }] });
    expect(descriptionProblem(wide, limits)).toMatch(/"k" is 121 bytes.*AMPGATE_MAX_AGENT_ATTRIBUTE_BYTES/);
    const total = create(AgentDescriptionSchema, { nonIdentifyingAttributes: ['a', 'b', 'c', 'd'].map((key) => ({ key, value: str('x'.repeat(90)) })) });
    expect(descriptionProblem(total, limits)).toMatch(/364 bytes.*AMPGATE_MAX_AGENT_DESCRIPTION_BYTES/);
  });
});
