import { describe, expect, it } from 'vitest';
import { isUuidText, newUuidV7, newUuidV7Bytes, uidFromString, uidToString } from './uid.js';

describe('instance uid text form', () => {
  it('round-trips 16 bytes through canonical UUID text', () => {
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
    const text = uidToString(bytes);
    expect(text).toBe('00112233-4455-6677-8899-aabbccddeeff');
    expect(uidFromString(text.toUpperCase())).toEqual(bytes);
  });

  it('rejects anything that is not 16 bytes or a UUID', () => {
    expect(() => uidToString(new Uint8Array(15))).toThrow(/16 bytes/);
    expect(() => uidFromString('01ARZ3NDEKTSV4RRFFQ69G5FAV')).toThrow(/not a UUID/);
    expect(isUuidText('not-a-uuid')).toBe(false);
  });

  it('generates version-7 UUIDs whose prefix is the millisecond clock', () => {
    const b = newUuidV7Bytes(0x0190_f3c4_8a6b);
    expect(Buffer.from(b.subarray(0, 6)).toString('hex')).toBe('0190f3c48a6b');
    expect(b[6]! >> 4).toBe(7);
    expect(b[8]! >> 6).toBe(2);
    expect(newUuidV7()).not.toBe(newUuidV7());
  });
});
