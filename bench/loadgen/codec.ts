/**
 * @module Hand-rolled protobuf pieces for the load generator's hot path. A simulated agent's
 * message is `per-agent header + per-message health + shared pre-encoded body`: protobuf
 * encodings concatenate into one merged message (last scalar wins, sub-messages merge), so the
 * 2 KB status body is encoded once per profile and only ~60 bytes are written per send. Replies
 * are scanned at the top level only; a full decode happens only when a reply carries something an
 * agent must act on (remote config, new uid, command, error).
 */

/** AgentToServer field tags (field << 3 | wire type). */
const TAG_INSTANCE_UID = 0x0a; // 1, length-delimited
const TAG_SEQUENCE_NUM = 0x10; // 2, varint
const TAG_HEALTH = 0x2a; // 5, length-delimited
/** ComponentHealth field tags. */
const TAG_HEALTHY = 0x08; // 1, varint
const TAG_START_TIME = 0x11; // 2, fixed64
const TAG_STATUS = 0x22; // 4, length-delimited
const TAG_STATUS_TIME = 0x29; // 5, fixed64

const HEALTH_STATUS = Buffer.from('running');
/** Encoded size of the ComponentHealth written by `writeHealth`. */
const HEALTH_LEN = 2 + 9 + 2 + HEALTH_STATUS.length + 9;

export function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function writeVarint(buf: Uint8Array, off: number, n: number): number {
  while (n >= 0x80) {
    buf[off++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[off++] = n;
  return off;
}

/** Bytes needed for `instance_uid` + `sequence_num` (+ health when `withHealth`). */
export function headerLength(seq: number, withHealth: boolean): number {
  return 2 + 16 + 1 + varintLength(seq) + (withHealth ? 2 + HEALTH_LEN : 0);
}

/**
 * Writes `instance_uid`, `sequence_num` and, when `healthStamp` is given, a ComponentHealth
 * (healthy, start time, status "running", status time = stamp) at `off`. Returns the new offset.
 * A changing status time makes each full status a real change the server must persist.
 */
export function writeHeader(buf: Buffer, off: number, uid: Uint8Array, seq: number, startNanos?: bigint, healthStamp?: bigint): number {
  buf[off++] = TAG_INSTANCE_UID;
  buf[off++] = 16;
  buf.set(uid, off);
  off += 16;
  buf[off++] = TAG_SEQUENCE_NUM;
  off = writeVarint(buf, off, seq);
  if (healthStamp !== undefined) {
    buf[off++] = TAG_HEALTH;
    buf[off++] = HEALTH_LEN;
    buf[off++] = TAG_HEALTHY;
    buf[off++] = 1;
    buf[off++] = TAG_START_TIME;
    buf.writeBigUInt64LE(startNanos ?? 0n, off);
    off += 8;
    buf[off++] = TAG_STATUS;
    buf[off++] = HEALTH_STATUS.length;
    buf.set(HEALTH_STATUS, off);
    off += HEALTH_STATUS.length;
    buf[off++] = TAG_STATUS_TIME;
    buf.writeBigUInt64LE(healthStamp, off);
    off += 8;
  }
  return off;
}

/**
 * One AgentToServer as bytes: optional WebSocket 0x00 header, then the per-agent header, then the
 * shared body. One allocation and one copy of the body per send.
 */
export function encodeMessage(wsHeader: boolean, uid: Uint8Array, seq: number, body: Uint8Array, startNanos?: bigint, healthStamp?: bigint): Buffer {
  const pre = wsHeader ? 1 : 0;
  const buf = Buffer.allocUnsafe(pre + headerLength(seq, healthStamp !== undefined) + body.length);
  if (wsHeader) buf[0] = 0;
  const off = writeHeader(buf, pre, uid, seq, startNanos, healthStamp);
  buf.set(body, off);
  return buf;
}

/** ServerToAgent top-level fields an agent may have to act on (bit = 1 << field number). */
export const S2A_ERROR = 1 << 2;
export const S2A_REMOTE_CONFIG = 1 << 3;
export const S2A_CONNECTION_SETTINGS = 1 << 4;
export const S2A_AGENT_IDENTIFICATION = 1 << 8;
export const S2A_COMMAND = 1 << 9;
/** Fields that need a full decode before the agent can react. */
export const S2A_NEEDS_DECODE = S2A_ERROR | S2A_REMOTE_CONFIG | S2A_AGENT_IDENTIFICATION | S2A_COMMAND;

export interface S2AScan {
  /** ServerToAgent.flags (low 53 bits). */
  flags: number;
  /** Bit (1 << field number) for every top-level field present. */
  fields: number;
}

function readVarint(buf: Uint8Array, pos: { i: number }): number {
  let result = 0;
  let mul = 1;
  for (;;) {
    if (pos.i >= buf.length) throw new RangeError('truncated varint');
    const b = buf[pos.i++]!;
    result += (b & 0x7f) * mul;
    if (b < 0x80) return result;
    mul *= 128;
    if (mul > 2 ** 63) throw new RangeError('varint too long');
  }
}

/** Walks the top-level fields of an encoded ServerToAgent without decoding sub-messages. */
export function scanServerToAgent(buf: Uint8Array, start = 0): S2AScan {
  const pos = { i: start };
  let flags = 0;
  let fields = 0;
  while (pos.i < buf.length) {
    const tag = readVarint(buf, pos);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field < 31) fields |= 1 << field;
    if (wire === 0) {
      const v = readVarint(buf, pos);
      if (field === 6) flags = v;
    } else if (wire === 2) {
      const len = readVarint(buf, pos); // read first: `pos.i += f()` would use the old pos.i
      pos.i += len;
    } else if (wire === 1) {
      pos.i += 8;
    } else if (wire === 5) {
      pos.i += 4;
    } else {
      throw new RangeError(`unsupported wire type ${wire}`);
    }
    if (pos.i > buf.length) throw new RangeError('truncated field');
  }
  return { flags, fields };
}
