import { describe, expect, it } from 'vitest';
import { decodeFeed, Notes } from './feed.js';

describe('the change feed between replicas', () => {
  it("encodes a transaction's notes per topic, each payload under PostgreSQL's 8000-byte limit, and decodes them back", () => {
    const notes = new Notes();
    const uids = Array.from({ length: 600 }, (_, i) => `0190f3c4-8a6b-7c2e-9d1a-${String(i).padStart(12, '0')}`);
    notes.add('attempt', uids);
    notes.add('attempt', uids.slice(0, 10)); // the same keys again: once
    notes.add('change', ['42']);
    const payloads = notes.encode('replica-a');
    expect(payloads.length).toBeGreaterThan(2);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThan(8000);
    const decoded = payloads.map((p) => decodeFeed(p)!);
    expect(decoded.every((m) => m.origin === 'replica-a')).toBe(true);
    expect(decoded.filter((m) => m.topic === 'attempt').flatMap((m) => m.keys as string[])).toEqual(uids);
    expect(decoded.find((m) => m.topic === 'change')?.keys).toEqual(['42']);
  });

  it('says "everything of this topic" for a note with too many keys, and ignores payloads that are not notes', () => {
    const notes = new Notes();
    notes.add(
      'agent',
      Array.from({ length: 2_001 }, (_, i) => `u${i}`),
    );
    expect(notes.encode('r').map(decodeFeed)).toEqual([{ origin: 'r', topic: 'agent', keys: 'all' }]);
    for (const junk of [undefined, '', 'not json', '{"o":1,"t":"agent","k":[]}', '{"o":"r","t":"agent","k":[1]}']) expect(decodeFeed(junk)).toBeUndefined();
  });
});
