/**
 * @module OpAMP wire framing. WebSocket messages are `varint header (0) + protobuf`; plain HTTP
 * bodies are bare protobuf (spec §"WebSocket Message Format", §"Plain HTTP Transport").
 * All protobuf encode/decode of OpAMP envelopes goes through this module.
 */
import { toBinary } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { AgentConfigMapSchema, ServerToAgentSchema, type AgentConfigMap, type ServerToAgent } from '../gen/opamp/v1/opamp_pb.js';
import { MalformedMessageError } from '../protocol/agent-to-server.js';

export { decodeAgentToServer, MalformedMessageError } from '../protocol/agent-to-server.js';
export { withWsHeader } from './ws-header.js';

export const PROTOBUF_CONTENT_TYPE = 'application/x-protobuf';

/**
 * Strips the WebSocket header. The header is a protobuf varint that MUST currently be 0.
 * Legacy agents (pre spec v0.7) send no header; a valid protobuf message never starts with 0x00
 * (field number 0 is invalid), so a first byte other than 0 means "no header".
 */
export function stripWsHeader(frame: Uint8Array): Uint8Array {
  if (frame.length === 0) throw new MalformedMessageError('empty WebSocket message (missing header)');
  if (frame[0] !== 0) return frame; // header-less legacy frame
  return frame.subarray(1);
}

/** Encodings of frozen config maps (see encodeServerToAgent). */
const encodedConfigMaps = new WeakMap<AgentConfigMap, Uint8Array>();

/**
 * Encodes a ServerToAgent. A rollout sends one config map to thousands of agents: a map that is
 * frozen (the desired-config cache freezes the maps it hands out, so they cannot change) is
 * encoded once and reused. Concatenated protobuf encodings merge, so the message without its
 * remote config followed by the remote_config field is the same message (perf-anchors 1.4).
 */
export function encodeServerToAgent(msg: ServerToAgent): Uint8Array {
  const rc = msg.remoteConfig;
  const map = rc?.config;
  if (rc === undefined || map === undefined || !Object.isFrozen(map)) return toBinary(ServerToAgentSchema, msg);
  let mapBytes = encodedConfigMaps.get(map);
  if (mapBytes === undefined) encodedConfigMaps.set(map, (mapBytes = toBinary(AgentConfigMapSchema, map)));
  msg.remoteConfig = undefined;
  let head: Uint8Array;
  try {
    head = toBinary(ServerToAgentSchema, msg);
  } finally {
    msg.remoteConfig = rc;
  }
  // AgentRemoteConfig { config = 1 (the cached bytes), config_hash = 2 } as field 3 of ServerToAgent.
  const inner = new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(mapBytes).tag(2, WireType.LengthDelimited).bytes(rc.configHash).finish();
  const tail = new BinaryWriter().tag(3, WireType.LengthDelimited).bytes(inner).finish();
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}
