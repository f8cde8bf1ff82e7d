/**
 * A raw TCP WebSocket client for framing attacks the `ws` library refuses to produce: truncated
 * frames, absurd length fields, unmasked or reserved-opcode frames, garbage after the handshake.
 * It performs a real RFC 6455 handshake, then writes whatever bytes the test wants.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface RawWs {
  readonly socket: Socket;
  /** Bytes received after the handshake response. */
  received(): Buffer;
  /** Resolves when the server has closed the TCP connection. */
  readonly ended: Promise<void>;
}

/** Opens a TCP connection and completes the upgrade; rejects with the status line on refusal. */
export function rawWebSocket(wsUrl: string, headers: Record<string, string> = {}): Promise<RawWs> {
  const url = new URL(wsUrl);
  const socket = connect(Number(url.port), url.hostname);
  let buf = Buffer.alloc(0);
  let upgraded = false;
  const ended = new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
  });
  socket.on('error', () => {});
  return new Promise((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (upgraded) return;
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buf.subarray(0, end).toString('latin1');
      buf = buf.subarray(end + 4);
      if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(head.split('\r\n')[0]));
      upgraded = true;
      resolve({ socket, received: () => buf, ended });
    });
    socket.once('connect', () => {
      const lines = [
        `GET ${url.pathname} HTTP/1.1`,
        `Host: ${url.host}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    socket.once('close', () => {
      if (!upgraded) reject(new Error(`connection closed before the upgrade: ${buf.toString('latin1').split('\r\n')[0]}`));
    });
  });
}

/**
 * A client frame: FIN + opcode, masked unless `masked` is false, with the true payload length
 * unless `declaredLength` overrides it (for frames that lie about their size).
 */
export function clientFrame(opcode: number, payload: Uint8Array, opts: { masked?: boolean; declaredLength?: bigint; fin?: boolean } = {}): Buffer {
  const masked = opts.masked ?? true;
  const len = opts.declaredLength ?? BigInt(payload.length);
  const head: number[] = [(opts.fin === false ? 0 : 0x80) | opcode];
  const maskBit = masked ? 0x80 : 0;
  if (len < 126n) head.push(maskBit | Number(len));
  else if (len < 65536n) head.push(maskBit | 126, Number(len >> 8n) & 0xff, Number(len) & 0xff);
  else {
    head.push(maskBit | 127);
    for (let i = 7; i >= 0; i--) head.push(Number((len >> BigInt(8 * i)) & 0xffn));
  }
  if (!masked) return Buffer.concat([Buffer.from(head), payload]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i % 4]!;
  return Buffer.concat([Buffer.from(head), mask, body]);
}

/** The close code in the first close frame the server sent, if any. */
export function serverCloseCode(data: Buffer): number | undefined {
  let i = 0;
  while (i + 2 <= data.length) {
    const opcode = data[i]! & 0x0f;
    let len = data[i + 1]! & 0x7f;
    let off = i + 2;
    if (len === 126) {
      len = data.readUInt16BE(off);
      off += 2;
    } else if (len === 127) {
      len = Number(data.readBigUInt64BE(off));
      off += 8;
    }
    if (opcode === 0x8) return len >= 2 ? data.readUInt16BE(off) : 1005;
    i = off + len;
  }
  return undefined;
}
