/**
 * fast-check generators for hostile AgentToServer payloads: structurally valid but semantically odd
 * messages (wrong uid lengths, absurd sequence numbers and flags, out-of-range enums, huge attribute
 * lists, `__proto__` keys, nested health and attribute values, garbage CSRs, custom messages for
 * the pause capability with bad JSON), and byte-level mutations of valid encodings (bit flips,
 * truncation, random bytes, duplicated fields and slices, huge and overlong varints, absurd length
 * prefixes, concatenated messages). Also a recording AgentLink for feeding the session directly.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import type { AnyValue, KeyValue } from '../../src/gen/opamp/v1/anyvalue_pb.js';
import { AgentToServerSchema, type ComponentHealth, type ServerToAgent } from '../../src/gen/opamp/v1/opamp_pb.js';
import { allocateLinkId, type AgentAuth, type AgentLink } from '../../src/fleet/link.js';

type A2SInit = NonNullable<Parameters<typeof create<typeof AgentToServerSchema>>[1]>;

/** A fixed pool of uids, so most generated messages update a bounded set of agent records. */
export function uidPool(size: number, seed = 7): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < size; i++) {
    const b = new Uint8Array(16);
    for (let j = 0; j < 16; j++) b[j] = (seed * 31 + i * 17 + j * 13) & 0xff;
    b[0] = 0xf0; // never collides with uuidv7 uids of real test agents (first byte is the clock)
    b[6] = (b[6]! & 0x0f) | 0x70;
    b[8] = (b[8]! & 0x3f) | 0x80;
    out.push(b);
  }
  return out;
}

const KEYS = ['service.name', 'deployment.environment', 'host.name', '__proto__', 'constructor', 'toString', '', 'é', 'a'.repeat(300), 'k=v,x!=y'];
const key = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...KEYS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }) },
);
const u64 = fc.oneof(
  fc.constantFrom(0n, 1n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.bigInt({ min: 0n, max: 100n }),
);
const i64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const anyEnum = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));

const anyValue: fc.Arbitrary<AnyValue> = fc.letrec<{ v: AnyValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 40 }).map((s) => val({ case: 'stringValue', value: s })),
    fc.boolean().map((b) => val({ case: 'boolValue', value: b })),
    i64.map((n) => val({ case: 'intValue', value: n })),
    fc.double().map((d) => val({ case: 'doubleValue', value: d })),
    bytes(32).map((b) => val({ case: 'bytesValue', value: b })),
    fc.array(tie('v'), { maxLength: 4 }).map((values) => val({ case: 'arrayValue', value: { $typeName: 'opamp.proto.v1.ArrayValue', values } })),
    fc
      .array(fc.tuple(key, tie('v')), { maxLength: 4 })
      .map((kvs) => val({ case: 'kvlistValue', value: { $typeName: 'opamp.proto.v1.KeyValueList', values: kvs.map(([k, v]) => kvOf(k, v)) } })),
    fc.constant(val({ case: undefined })),
  ),
})).v;

function val(value: AnyValue['value']): AnyValue {
  return { $typeName: 'opamp.proto.v1.AnyValue', value };
}
function kvOf(k: string, v: AnyValue | undefined): KeyValue {
  return { $typeName: 'opamp.proto.v1.KeyValue', key: k, value: v };
}

const attrs = (max: number) => fc.array(fc.tuple(key, fc.option(anyValue, { nil: undefined })), { maxLength: max }).map((l) => l.map(([k, v]) => kvOf(k, v)));
/** A long list of plain string attributes (within the message size limit). */
const hugeAttrs = fc
  .integer({ min: 500, max: 3_000 })
  .map((n) => Array.from({ length: n }, (_, i) => kvOf(`attr.${i}`, val({ case: 'stringValue', value: `v${i}` }))));

const health: fc.Arbitrary<Partial<ComponentHealth>> = fc.letrec<{ h: Partial<ComponentHealth> }>((tie) => ({
  h: fc.record(
    {
      healthy: fc.boolean(),
      startTimeUnixNano: u64,
      statusTimeUnixNano: u64,
      lastError: fc.string({ maxLength: 30 }),
      status: fc.string({ maxLength: 30 }),
      componentHealthMap: fc.dictionary(key, tie('h') as fc.Arbitrary<ComponentHealth>, { maxKeys: 3, depthIdentifier: 'health' }) as fc.Arbitrary<
        Record<string, ComponentHealth>
      >,
      attributes: attrs(3),
    },
    { requiredKeys: [] },
  ),
})).h;

const PAUSE = 'io.opentelemetry.pause';
const customMessage = fc.record({
  capability: fc.oneof(fc.constant(PAUSE), fc.string({ maxLength: 30 })),
  type: fc.constantFrom('pause', 'resume', 'status', 'error', '', 'x'.repeat(100)),
  data: fc.oneof(
    bytes(64),
    fc.jsonValue().map((j) => new Uint8Array(Buffer.from(JSON.stringify(j) ?? 'null'))),
    fc.constant(new Uint8Array(Buffer.from('{"paused":'))),
  ),
});

const csr = fc.oneof(
  bytes(200),
  fc.constant(new Uint8Array(Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n'))),
  fc.string({ maxLength: 100 }).map((s) => new Uint8Array(Buffer.from(`-----BEGIN CERTIFICATE REQUEST-----\n${s}\n-----END CERTIFICATE REQUEST-----\n`))),
);

const uidArb = (pool: readonly Uint8Array[]) =>
  fc.oneof(
    { weight: 40, arbitrary: fc.constantFrom(...pool) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 16, maxLength: 16 }) },
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 40 }).filter((b) => b.length !== 16) },
  );

/** A structurally valid AgentToServer init with odd contents. */
export function agentToServerInit(pool: readonly Uint8Array[]): fc.Arbitrary<A2SInit> {
  const opt = <T>(a: fc.Arbitrary<T>, freq = 3) => fc.option(a, { nil: undefined, freq });
  return fc.record({
    instanceUid: uidArb(pool),
    sequenceNum: u64,
    capabilities: u64,
    // RequestInstanceUid (bit 0) in ~3% of messages: each one re-keys an agent record.
    flags: fc.oneof({ weight: 30, arbitrary: fc.constant(0n) }, { weight: 1, arbitrary: fc.constant(1n) }, { weight: 2, arbitrary: u64.map((f) => f & ~1n) }),
    agentDescription: opt(
      fc.record({
        identifyingAttributes: fc.oneof({ weight: 9, arbitrary: attrs(6) }, { weight: 1, arbitrary: hugeAttrs }),
        nonIdentifyingAttributes: attrs(6),
      }),
    ),
    health: opt(health),
    effectiveConfig: opt(
      fc.record({
        configMap: fc.record({
          configMap: fc.dictionary(key, fc.record({ body: bytes(200), contentType: fc.constantFrom('text/yaml', '', 'application/json', 'x'.repeat(50)) }), {
            maxKeys: 4,
          }),
        }),
      }),
    ),
    remoteConfigStatus: opt(fc.record({ lastRemoteConfigHash: bytes(40), status: anyEnum, errorMessage: fc.string({ maxLength: 40 }) })),
    packageStatuses: opt(
      fc.record({
        packages: fc.dictionary(
          key,
          fc.record({
            name: fc.string({ maxLength: 10 }),
            agentHasVersion: fc.string({ maxLength: 10 }),
            agentHasHash: bytes(32),
            status: anyEnum,
            errorMessage: fc.string({ maxLength: 10 }),
          }),
          { maxKeys: 3 },
        ),
        serverProvidedAllPackagesHash: bytes(32),
        errorMessage: fc.string({ maxLength: 20 }),
      }),
      6,
    ),
    agentDisconnect: opt(fc.constant({}), 12),
    connectionSettingsRequest: opt(fc.record({ opamp: fc.record({ certificateRequest: fc.record({ csr }) }) }), 8),
    customCapabilities: opt(fc.record({ capabilities: fc.array(fc.oneof(fc.constant(PAUSE), fc.string({ maxLength: 30 })), { maxLength: 5 }) })),
    customMessage: opt(customMessage, 4),
    availableComponents: opt(fc.record({ hash: bytes(32), components: fc.dictionary(key, fc.record({ metadata: attrs(3) }), { maxKeys: 4 }) }), 6),
    connectionSettingsStatus: opt(fc.record({ lastConnectionSettingsHash: bytes(40), status: anyEnum, errorMessage: fc.string({ maxLength: 40 }) }), 6),
  }) as fc.Arbitrary<A2SInit>;
}

export function encode(init: A2SInit): Uint8Array {
  return toBinary(AgentToServerSchema, create(AgentToServerSchema, init));
}

/** Encoded semantically odd but decodable messages. */
export function validEncodings(pool: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return agentToServerInit(pool).map(encode);
}

function varint(n: bigint): number[] {
  const out: number[] = [];
  while (n > 127n) {
    out.push(Number(n & 127n) | 128);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
}

type Mutation = (b: Uint8Array, r: number[]) => Uint8Array;
const at = (b: Uint8Array, r: number) => (b.length === 0 ? 0 : r % (b.length + 1));
const MUTATIONS: Mutation[] = [
  // bit flips
  (b, r) => {
    const c = Uint8Array.from(b);
    for (let i = 0; i < 1 + (r[0]! % 8) && c.length > 0; i++) c[r[i + 1]! % c.length]! ^= 1 << (r[i + 2]! % 8);
    return c;
  },
  // truncation
  (b, r) => b.subarray(0, at(b, r[0]!)),
  // random bytes inserted
  (b, r) => {
    const i = at(b, r[0]!);
    return concat(
      b.subarray(0, i),
      Uint8Array.from(r.slice(1, 1 + (r[1]! % 16)), (x) => x & 0xff),
      b.subarray(i),
    );
  },
  // a slice duplicated (repeated fields, merged sub-messages, or garbage)
  (b, r) => {
    const i = at(b, r[0]!);
    const j = Math.min(b.length, i + (r[1]! % 64));
    return concat(b, b.subarray(i, j), b.subarray(i, j));
  },
  // the whole message twice (protobuf merge semantics)
  (b) => concat(b, b),
  // a huge (10-byte) varint field: sequence_num, capabilities or flags = 2^64-1, or unknown field 99
  (b, r) => concat(b, Uint8Array.from([[0x10, 0x20, 0x50, 0x98, 0x06][r[0]! % 5]!, ...(r[0]! % 5 === 4 ? [0x06] : []), ...varint(2n ** 64n - 1n)])),
  // an overlong varint (11 bytes, invalid)
  (b) => concat(b, Uint8Array.from([0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])),
  // a length-delimited field claiming an absurd length
  (b, r) =>
    concat(b, Uint8Array.from([[0x1a, 0x2a, 0x32, 0x0a, 0x6a][r[0]! % 5]!, ...varint(BigInt(r[1]!) * 1_000_003n + 0x7fff_ffffn)]), Uint8Array.of(1, 2, 3)),
  // an unknown field number with every wire type, including deprecated groups
  (b, r) => concat(Uint8Array.from([(((r[0]! % 200) + 16) << 3) | (r[1]! % 8)]), b),
  // replace a range with random bytes
  (b, r) => {
    const c = Uint8Array.from(b);
    const i = at(b, r[0]!);
    for (let k = 0; k < 8 && i + k < c.length; k++) c[i + k] = r[k + 1]! & 0xff;
    return c;
  },
];

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Valid encodings with 1-3 byte-level mutations, plus pure random bytes. */
export function mutatedEncodings(pool: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const mutation = fc.tuple(fc.nat(MUTATIONS.length - 1), fc.array(fc.nat(1_000_000), { minLength: 20, maxLength: 20 }));
  return fc.oneof(
    {
      weight: 9,
      arbitrary: fc
        .tuple(validEncodings(pool), fc.array(mutation, { minLength: 1, maxLength: 3 }))
        .map(([b, ms]) => ms.reduce((acc, [m, r]) => MUTATIONS[m]!(acc, r), b)),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  );
}

/** A small seeded PRNG (mulberry32) for bulk mutation beyond what fast-check generates. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Applies 1-3 random mutations (the same set as mutatedEncodings) to `b`. */
export function mutateWith(b: Uint8Array, rand: () => number): Uint8Array {
  let out = b;
  for (let n = 1 + (rand() % 3); n > 0; n--) {
    const r = Array.from({ length: 20 }, () => rand() % 1_000_000);
    out = MUTATIONS[rand() % MUTATIONS.length]!(out, r);
  }
  return out;
}

/** An AgentLink that records what the session pushes (for direct, in-process calls). */
export class RecordingLink implements AgentLink {
  readonly id = allocateLinkId();
  readonly pushed: ServerToAgent[] = [];
  closedWith: number | undefined;
  constructor(
    readonly transport: 'ws' | 'http',
    readonly auth: AgentAuth = { method: 'token', credentialKind: 'enrollment' },
    readonly remoteAddress = '127.0.0.1',
  ) {}
  get canPush(): boolean {
    return this.transport === 'ws';
  }
  get isOpen(): boolean {
    return this.canPush && this.closedWith === undefined;
  }
  push(msg: ServerToAgent): boolean {
    if (!this.isOpen) return false;
    if (this.pushed.length < 1_000) this.pushed.push(msg);
    return true;
  }
  close(code: number): void {
    this.closedWith = code;
  }
}
