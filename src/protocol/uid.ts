/**
 * @module Instance uid helpers. On the wire an OpAMP instance_uid is 16 raw bytes (spec:
 * "MUST be 16 bytes long and SHOULD be generated using the UUID v7 spec"); APIs, logs and the
 * database show it as canonical UUID text.
 */
import { randomBytes } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Canonical lower-case UUID text for 16 uid bytes. */
export function uidToString(uid: Uint8Array): string {
  if (uid.length !== 16) throw new RangeError(`instance_uid must be 16 bytes, got ${uid.length}`);
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += HEX[uid[i]!];
  }
  return s;
}

/** Parses canonical UUID text (any case) into 16 bytes; throws on anything else. */
export function uidFromString(text: string): Uint8Array {
  if (!UUID_RE.test(text)) throw new RangeError(`not a UUID: ${JSON.stringify(text.slice(0, 64))}`);
  return Uint8Array.from(Buffer.from(text.replaceAll('-', ''), 'hex'));
}

export function isUuidText(text: string): boolean {
  return UUID_RE.test(text);
}

/** A fresh UUIDv7 (RFC 9562): 48-bit unix milliseconds, version 7, variant 10, random rest. */
export function newUuidV7Bytes(now: number = Date.now()): Uint8Array {
  const b = randomBytes(16);
  const ms = BigInt(now);
  for (let i = 0; i < 6; i++) b[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return Uint8Array.from(b);
}

export function newUuidV7(now?: number): string {
  return uidToString(newUuidV7Bytes(now));
}
