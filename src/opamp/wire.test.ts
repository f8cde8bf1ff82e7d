import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { AgentConfigMapSchema, AgentToServerSchema, ServerErrorResponseType, ServerToAgentSchema } from '../gen/opamp/v1/opamp_pb.js';
import { badRequest } from '../protocol/error-response.js';
import { decodeAgentToServer, encodeServerToAgent, MalformedMessageError, stripWsHeader, withWsHeader } from './wire.js';

describe('WebSocket framing', () => {
  const msg = create(AgentToServerSchema, { instanceUid: new Uint8Array(16).fill(7), sequenceNum: 3n, capabilities: 1n });
  const payload = toBinary(AgentToServerSchema, msg);

  it('strips the 0x00 header before decoding', () => {
    const decoded = decodeAgentToServer(stripWsHeader(withWsHeader(payload)));
    expect(decoded.sequenceNum).toBe(3n);
  });

  it('accepts legacy frames without a header (protobuf never starts with 0x00)', () => {
    expect(payload[0]).not.toBe(0);
    expect(decodeAgentToServer(stripWsHeader(payload)).instanceUid).toEqual(msg.instanceUid);
  });

  it('treats a header-only frame as an empty message and an empty frame as malformed', () => {
    expect(decodeAgentToServer(stripWsHeader(Uint8Array.of(0))).instanceUid.length).toBe(0);
    expect(() => stripWsHeader(new Uint8Array(0))).toThrow(MalformedMessageError);
  });

  it('reports garbage as MalformedMessageError', () => {
    expect(() => decodeAgentToServer(Uint8Array.of(0xff, 0xff, 0xff, 0xff))).toThrow(MalformedMessageError);
  });

  it('builds error responses with nothing but instance_uid and the error', () => {
    const r = badRequest(msg.instanceUid, 'nope');
    expect(r.errorResponse?.type).toBe(ServerErrorResponseType.ServerErrorResponseType_BadRequest);
    expect(r.capabilities).toBe(0n);
    expect(r.remoteConfig).toBeUndefined();
  });
});

describe('encodeServerToAgent with a shared (frozen) config map', () => {
  const map = create(AgentConfigMapSchema, {
    configMap: {
      '': { body: Buffer.from('receivers: {}\n'.repeat(100)), contentType: 'text/yaml' },
      'b.yaml': { body: Buffer.from('x: 1\n'), contentType: 'text/yaml' },
    },
  });
  for (const f of Object.values(map.configMap)) Object.freeze(f);
  Object.freeze(map.configMap);
  Object.freeze(map);

  it('decodes to exactly the message the plain encoding gives, for every agent that shares the map', () => {
    for (let i = 0; i < 3; i++) {
      const msg = create(ServerToAgentSchema, {
        instanceUid: Uint8Array.from({ length: 16 }, (_, k) => k + i),
        capabilities: 0x3fn,
        flags: BigInt(i),
        remoteConfig: { config: map, configHash: Uint8Array.from({ length: 32 }, (_, k) => k * i) },
      });
      const plain = toBinary(ServerToAgentSchema, msg);
      const fast = encodeServerToAgent(msg);
      expect(fromBinary(ServerToAgentSchema, fast)).toEqual(fromBinary(ServerToAgentSchema, plain));
      expect(fast.length).toBe(plain.length);
      expect(msg.remoteConfig?.config).toBe(map); // the message is left as it was
    }
  });

  it('encodes maps that are not frozen the usual way', () => {
    const open = create(AgentConfigMapSchema, { configMap: { '': { body: Buffer.from('a'), contentType: 'text/plain' } } });
    const msg = create(ServerToAgentSchema, { instanceUid: new Uint8Array(16), remoteConfig: { config: open, configHash: new Uint8Array(32) } });
    expect(encodeServerToAgent(msg)).toEqual(toBinary(ServerToAgentSchema, msg));
  });
});
