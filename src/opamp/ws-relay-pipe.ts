/**
 * @module The data pipe between the main process and a wire process (ws-relay.ts,
 * ws-relay-child.ts): length-prefixed binary records over a socket pair of their own, so that
 * frames cost one copy each way and no structured-clone serialisation. Each record is
 * `type (u8) | link id (u32 BE) | payload length (u32 BE) | payload`. Records of one event-loop
 * turn are written together at its end (or when a batch grows large). Adoptions carry a socket
 * handle and stay on the IPC channel.
 */
import type { Readable, Writable } from 'node:stream';

export const enum Rec {
  /** A WebSocket message: from the wire process as received (with its header), to it ready to send (header included). */
  Frame = 1,
  /** Wire -> main: a socket was dropped (payload: one byte, a DropCode). */
  Dropped = 2,
  /** Wire -> main: a socket closed, or its handshake failed. */
  Closed = 3,
  /** Main -> wire: close a socket (payload: u16 code, then the reason in UTF-8). */
  Close = 4,
}

/** Why a wire process dropped a socket, as one byte. */
export const DROP_CODES = ['slow_consumer', 'ping_timeout', 'text_frame'] as const;
export type DropReason = (typeof DROP_CODES)[number];

const HEAD = 9;
/** A batch this large is written at once instead of at the end of the turn. */
const FLUSH_BYTES = 256 * 1024;
const EMPTY = new Uint8Array(0);
const WS_HEADER = Uint8Array.of(0);

export class RecordWriter {
  #parts: Uint8Array[] = [];
  #bytes = 0;
  #scheduled = false;

  constructor(private readonly out: Writable) {}

  /** `payload` is copied when the batch is written; with `wsHeader` it is sent prefixed by the 0x00 WebSocket header. */
  add(type: Rec, id: number, payload: Uint8Array = EMPTY, wsHeader = false): void {
    const head = Buffer.allocUnsafe(HEAD);
    head[0] = type;
    head.writeUInt32BE(id, 1);
    head.writeUInt32BE(payload.length + (wsHeader ? 1 : 0), 5);
    this.#parts.push(head);
    if (wsHeader) this.#parts.push(WS_HEADER);
    if (payload.length > 0) this.#parts.push(payload);
    this.#bytes += HEAD + payload.length + (wsHeader ? 1 : 0);
    if (this.#bytes >= FLUSH_BYTES) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.flush();
      });
    }
  }

  close(id: number, code: number, reason: string): void {
    const text = Buffer.from(reason, 'utf8');
    const payload = Buffer.allocUnsafe(2 + text.length);
    payload.writeUInt16BE(code, 0);
    text.copy(payload, 2);
    this.add(Rec.Close, id, payload);
  }

  /** Writes what is batched; `done` runs once it is handed to the operating system. */
  flush(done?: () => void): void {
    if (this.#parts.length === 0) {
      if (done) this.out.write(EMPTY, done);
      return;
    }
    const batch = Buffer.concat(this.#parts, this.#bytes);
    this.#parts = [];
    this.#bytes = 0;
    if (this.out.writable) this.out.write(batch, done);
  }
}

/** Parses records from a stream of chunks; each payload handed out is a copy it may keep. */
export function readRecords(input: Readable, onRecord: (type: Rec, id: number, payload: Buffer) => void): void {
  let pending: Buffer | undefined;
  input.on('data', (chunk: Buffer) => {
    const buf = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    pending = undefined;
    let at = 0;
    while (buf.length - at >= HEAD) {
      const len = buf.readUInt32BE(at + 5);
      if (buf.length - at < HEAD + len) break;
      const type = buf[at] as Rec;
      const id = buf.readUInt32BE(at + 1);
      onRecord(type, id, Buffer.from(buf.subarray(at + HEAD, at + HEAD + len)));
      at += HEAD + len;
    }
    if (at < buf.length) pending = buf.subarray(at);
  });
}
