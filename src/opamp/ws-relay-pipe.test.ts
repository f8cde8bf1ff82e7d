import { PassThrough } from 'node:stream';
import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { readRecords, Rec, RecordWriter } from './ws-relay-pipe.js';

describe('wire-process data pipe', () => {
  it('delivers every record of a turn intact, whatever the chunking, with the WebSocket header when asked', async () => {
    const wire = new PassThrough();
    const out = new PassThrough();
    const got: Array<[Rec, number, string]> = [];
    readRecords(out, (type, id, payload) => got.push([type, id, payload.toString('hex')]));
    // Re-chunk the stream at odd sizes so records and headers straddle chunks.
    wire.on('data', (chunk: Buffer) => {
      for (let i = 0; i < chunk.length; i += 7) out.write(chunk.subarray(i, i + 7));
    });
    const w = new RecordWriter(wire);
    const big = Buffer.alloc(70_000, 0xab);
    w.add(Rec.Frame, 1, Uint8Array.of(1, 2, 3), true);
    w.add(Rec.Closed, 2);
    w.add(Rec.Frame, 3, big);
    w.close(4, 1002, 'too many malformed messages');
    expect(got).toEqual([]); // nothing before the end of the turn
    await turn();
    await turn();
    expect(got.map(([t, id]) => [t, id])).toEqual([
      [Rec.Frame, 1],
      [Rec.Closed, 2],
      [Rec.Frame, 3],
      [Rec.Close, 4],
    ]);
    expect(got[0]![2]).toBe('00010203');
    expect(got[1]![2]).toBe('');
    expect(got[2]![2]).toBe(big.toString('hex'));
    const close = Buffer.from(got[3]![2], 'hex');
    expect(close.readUInt16BE(0)).toBe(1002);
    expect(close.subarray(2).toString('utf8')).toBe('too many malformed messages');
  });

  it('writes a large batch at once instead of waiting for the end of the turn', () => {
    const wire = new PassThrough();
    const w = new RecordWriter(wire);
    w.add(Rec.Frame, 9, Buffer.alloc(300_000));
    expect(wire.readableLength).toBe(9 + 300_000);
  });
});
