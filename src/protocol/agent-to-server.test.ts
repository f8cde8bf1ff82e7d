import { create, equals, fromBinary, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { AgentToServerSchema } from '../gen/opamp/v1/opamp_pb.js';
import { decodeAgentToServer, decodeDeferredUnless, deferredDigest, MalformedMessageError } from './agent-to-server.js';

const kv = (key: string, value: string) => ({ key, value: { value: { case: 'stringValue' as const, value } } });
const full = (status: string, host = 'n1') =>
  create(AgentToServerSchema, {
    instanceUid: new Uint8Array(16).fill(7),
    sequenceNum: 3n,
    capabilities: 0x3fn,
    agentDescription: { identifyingAttributes: [kv('service.name', 'checkout')], nonIdentifyingAttributes: [kv('host.name', host)] },
    health: { healthy: true, status },
    effectiveConfig: { configMap: { configMap: { 'c.yaml': { body: Buffer.from('receivers: {}\n'), contentType: 'text/yaml' } } } },
  });

describe('decodeAgentToServer with deferred sub-messages', () => {
  it('gives exactly the message a plain decode gives, the deferred fields decoded on first read', () => {
    const bytes = toBinary(AgentToServerSchema, full('running'));
    const msg = decodeAgentToServer(bytes);
    expect(deferredDigest(msg, 'agentDescription')).toBeTypeOf('number');
    expect(deferredDigest(msg, 'effectiveConfig')).toBeTypeOf('number');
    expect(equals(AgentToServerSchema, msg, fromBinary(AgentToServerSchema, bytes))).toBe(true);
    expect(msg.agentDescription?.identifyingAttributes[0]?.key).toBe('service.name');
    expect(toBinary(AgentToServerSchema, msg)).toEqual(toBinary(AgentToServerSchema, fromBinary(AgentToServerSchema, bytes)));
  });

  it('gives the same digests for the same sub-message bytes and different ones when they change', () => {
    const a = decodeAgentToServer(toBinary(AgentToServerSchema, full('running')));
    const b = decodeAgentToServer(toBinary(AgentToServerSchema, full('degraded')));
    expect(deferredDigest(a, 'agentDescription')).toBe(deferredDigest(b, 'agentDescription'));
    const other = decodeAgentToServer(toBinary(AgentToServerSchema, full('running', 'n2')));
    expect(deferredDigest(other, 'agentDescription')).not.toBe(deferredDigest(a, 'agentDescription'));
  });

  it('decodes plainly when a deferred field occurs twice (protobuf merges them) and when there is none', () => {
    const one = toBinary(AgentToServerSchema, create(AgentToServerSchema, { agentDescription: { identifyingAttributes: [kv('a', '1')] } }));
    const two = toBinary(AgentToServerSchema, create(AgentToServerSchema, { agentDescription: { nonIdentifyingAttributes: [kv('b', '2')] } }));
    const merged = decodeAgentToServer(Buffer.concat([one, two]));
    expect(deferredDigest(merged, 'agentDescription')).toBeUndefined();
    expect(merged.agentDescription?.identifyingAttributes).toHaveLength(1);
    expect(merged.agentDescription?.nonIdentifyingAttributes).toHaveLength(1);
    const heartbeat = decodeAgentToServer(toBinary(AgentToServerSchema, create(AgentToServerSchema, { sequenceNum: 9n })));
    expect(deferredDigest(heartbeat, 'agentDescription')).toBeUndefined();
    expect(heartbeat.agentDescription).toBeUndefined();
  });

  it('throws MalformedMessageError for an undecodable deferred sub-message, on read or when decoded ahead', () => {
    // field 3 (agent_description), length 2, then an illegal tag (field 0) inside it
    const bad = Buffer.concat([toBinary(AgentToServerSchema, create(AgentToServerSchema, { sequenceNum: 1n })), Buffer.from([0x1a, 0x02, 0x00, 0x00])]);
    const msg = decodeAgentToServer(bad);
    expect(msg.sequenceNum).toBe(1n);
    expect(() => msg.agentDescription).toThrow(MalformedMessageError);
    const ec = decodeAgentToServer(Buffer.from([0x32, 0x02, 0x00, 0x00]));
    expect(() => decodeDeferredUnless(ec, 'effectiveConfig', undefined)).toThrow(MalformedMessageError);
    // known bytes are not decoded again
    expect(() => decodeDeferredUnless(ec, 'effectiveConfig', deferredDigest(ec, 'effectiveConfig'))).not.toThrow();
    expect(() => decodeAgentToServer(Buffer.from([0x0a, 0x05, 0x01]))).toThrow(MalformedMessageError); // truncated
  });
});
