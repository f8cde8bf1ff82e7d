import { create, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { AgentToServerSchema, ServerErrorResponseType } from '../gen/opamp/v1/opamp_pb.js';
import { badRequest, decodeAgentToServer, MalformedMessageError, stripWsHeader, withWsHeader } from './wire.js';

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
