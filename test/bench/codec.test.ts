/**
 * The load generator's hand-rolled encoding must produce exactly what protobuf-es would (the
 * server decodes it with protobuf-es), and its reply scanner must agree with a full decode.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { encodeMessage, S2A_AGENT_IDENTIFICATION, S2A_NEEDS_DECODE, S2A_REMOTE_CONFIG, scanServerToAgent, varintLength } from '../../bench/loadgen/codec.js';
import { collectorYaml, ProfileBook, SIM_CAPABILITIES } from '../../bench/loadgen/profiles.js';
import { AgentToServerSchema, RemoteConfigStatuses, ServerToAgentSchema } from '../../src/gen/opamp/v1/opamp_pb.js';
import { serverCapabilities } from '../../src/protocol/capabilities.js';
import { newUuidV7Bytes } from '../../src/protocol/uid.js';

describe('load generator codec', () => {
  const book = new ProfileBook(4);
  const uid = newUuidV7Bytes();

  it('concatenates header, health and a shared body into the message protobuf-es decodes', () => {
    for (const seq of [1, 127, 128, 16_383, 16_384, 2 ** 31, 2 ** 40]) {
      const frame = encodeMessage(true, uid, seq, book.initial(2).full, 1_000n, 123_456_789n);
      expect(frame[0]).toBe(0);
      const msg = fromBinary(AgentToServerSchema, frame.subarray(1));
      expect(Uint8Array.from(msg.instanceUid)).toEqual(uid);
      expect(msg.sequenceNum).toBe(BigInt(seq));
      expect(msg.capabilities).toBe(SIM_CAPABILITIES);
      expect(msg.health).toMatchObject({ healthy: true, status: 'running', startTimeUnixNano: 1_000n, statusTimeUnixNano: 123_456_789n });
      expect(msg.agentDescription?.identifyingAttributes.find((a) => a.key === 'service.name')?.value?.value.value).toBe('bench-svc-2');
      const file = msg.effectiveConfig?.configMap?.configMap['collector.yaml'];
      expect(Buffer.from(file!.body).toString()).toBe(collectorYaml(2));
      expect(msg.remoteConfigStatus?.status).toBe(RemoteConfigStatuses.RemoteConfigStatuses_UNSET);
    }
  });

  it('encodes heartbeats without health and plain-HTTP bodies without the WebSocket header', () => {
    const body = encodeMessage(false, uid, 5, book.heartbeat);
    const msg = fromBinary(AgentToServerSchema, body);
    expect(msg.sequenceNum).toBe(5n);
    expect(msg.health).toBeUndefined();
    expect(msg.effectiveConfig).toBeUndefined();
    expect(msg.capabilities).toBe(SIM_CAPABILITIES);
  });

  it('builds APPLYING and APPLIED reports and a post-apply profile from an offered config', () => {
    const hash = Uint8Array.from({ length: 32 }, (_, i) => i);
    const config = create(ServerToAgentSchema, {
      remoteConfig: { config: { configMap: { '': { body: Buffer.from('a: 1\n'), contentType: 'text/yaml' } } }, configHash: hash },
    }).remoteConfig!.config;
    const r = book.reportsFor(hash, config);
    expect(book.reportsFor(hash, config)).toBe(r);
    const applied = fromBinary(AgentToServerSchema, encodeMessage(false, uid, 9, r.applied));
    expect(applied.remoteConfigStatus?.status).toBe(RemoteConfigStatuses.RemoteConfigStatuses_APPLIED);
    expect(Uint8Array.from(applied.remoteConfigStatus!.lastRemoteConfigHash)).toEqual(hash);
    expect(Buffer.from(applied.effectiveConfig!.configMap!.configMap['']!.body).toString()).toBe('a: 1\n');
    expect(fromBinary(AgentToServerSchema, r.applying).remoteConfigStatus?.status).toBe(RemoteConfigStatuses.RemoteConfigStatuses_APPLYING);
    const full = fromBinary(AgentToServerSchema, encodeMessage(false, uid, 10, book.applied(1, r.hashHex).full, 0n, 1n));
    expect(full.remoteConfigStatus?.status).toBe(RemoteConfigStatuses.RemoteConfigStatuses_APPLIED);
    expect(Object.keys(full.effectiveConfig!.configMap!.configMap)).toEqual(['']);
  });

  it('the full status is about 2 KB, the size the ingest target is stated for', () => {
    const size = encodeMessage(false, uid, 1, book.initial(0).full, 0n, 1n).length;
    expect(size).toBeGreaterThan(1_900);
    expect(size).toBeLessThan(2_600);
  });

  it('scans replies: flags and the fields that need a full decode', () => {
    const plain = toBinary(
      ServerToAgentSchema,
      create(ServerToAgentSchema, { instanceUid: uid, capabilities: serverCapabilities({ signsCertificateRequests: false }), flags: 1n }),
    );
    expect(scanServerToAgent(plain)).toEqual({ flags: 1, fields: (1 << 1) | (1 << 6) | (1 << 7) });
    const offer = toBinary(
      ServerToAgentSchema,
      create(ServerToAgentSchema, {
        instanceUid: uid,
        remoteConfig: { configHash: new Uint8Array(32) },
        agentIdentification: { newInstanceUid: newUuidV7Bytes() },
      }),
    );
    const s = scanServerToAgent(offer);
    expect(s.fields & S2A_REMOTE_CONFIG).toBeTruthy();
    expect(s.fields & S2A_AGENT_IDENTIFICATION).toBeTruthy();
    expect(s.fields & S2A_NEEDS_DECODE).toBeTruthy();
    expect(() => scanServerToAgent(Uint8Array.of(0x0a, 0x10, 1))).toThrow(RangeError);
  });

  it('varint lengths match protobuf', () => {
    expect([0, 127, 128, 16_383, 16_384, 2 ** 35].map(varintLength)).toEqual([1, 1, 2, 2, 3, 6]);
  });
});
