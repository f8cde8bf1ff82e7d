/**
 * A loopback TCP relay in front of ampgate's OpAMP listener that records, per connection, the
 * Authorization header of the WebSocket upgrade request and every ServerToAgent message the
 * server sends (it parses the server's unmasked WebSocket frames). The agent connects to the tap;
 * offers name the tap as the endpoint (AMPGATE_OPAMP_PUBLIC_URL), so reconnections pass it too.
 */
import { fromBinary } from '@bufbuild/protobuf';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { ServerToAgentSchema, type ServerToAgent } from '../../../src/gen/opamp/v1/opamp_pb.js';
import { onCleanup } from './scene.js';

export interface TappedConnection {
  authorization: string | undefined;
  /** HTTP status of the upgrade answer (101, or 401 when refused). */
  status: number | undefined;
  readonly messages: ServerToAgent[];
}

export interface Tap {
  url: string;
  /** Where to relay to: ampgate's OpAMP WebSocket URL (set once it is known). */
  target: string | undefined;
  readonly connections: TappedConnection[];
  close(): Promise<void>;
}

/** Strips the OpAMP WebSocket header (a varint, 0 today) and decodes the message. */
function decode(payload: Buffer): ServerToAgent | undefined {
  let i = 0;
  while (i < payload.length && (payload[i]! & 0x80) !== 0) i++;
  try {
    return fromBinary(ServerToAgentSchema, payload.subarray(i + 1));
  } catch {
    return undefined;
  }
}

function serverSideParser(conn: TappedConnection): (chunk: Buffer) => void {
  let buf = Buffer.alloc(0);
  let headersDone = false;
  let fragments: Buffer[] = [];
  return (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    if (!headersDone) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      conn.status = Number(/^HTTP\/1\.1 (\d+)/.exec(buf.subarray(0, end).toString('latin1'))?.[1]);
      headersDone = true;
      buf = buf.subarray(end + 4);
    }
    for (;;) {
      if (buf.length < 2) return;
      const opcode = buf[0]! & 0x0f;
      const fin = (buf[0]! & 0x80) !== 0;
      let len = buf[1]! & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      if (buf.length < off + len) return;
      const payload = buf.subarray(off, off + len);
      buf = buf.subarray(off + len);
      if (opcode === 2 || (opcode === 0 && fragments.length > 0)) {
        fragments.push(Buffer.from(payload));
        if (fin) {
          const msg = decode(Buffer.concat(fragments));
          if (msg) conn.messages.push(msg);
          fragments = [];
        }
      }
    }
  };
}

export function startTap(): Promise<Tap> {
  const connections: TappedConnection[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const conn: TappedConnection = { authorization: undefined, status: undefined, messages: [] };
    connections.push(conn);
    if (!tap.target) return void client.destroy();
    const { hostname, port } = new URL(tap.target);
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    let head = '';
    client.on('data', (d: Buffer) => {
      if (conn.authorization === undefined && head.length < 65_536) {
        head += d.toString('latin1');
        const m = /\r\nauthorization: *([^\r\n]*)/i.exec(head);
        if (m) conn.authorization = m[1];
      }
      upstream.write(d);
    });
    upstream.on('data', serverSideParser(conn));
    upstream.on('data', (d: Buffer) => client.write(d));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  const tap: Tap = {
    url: '',
    target: undefined,
    connections,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address() as { port: number };
      onCleanup(() => tap.close());
      resolve(Object.assign(tap, { url: `ws://127.0.0.1:${a.port}/v1/opamp` }));
    }),
  );
}
