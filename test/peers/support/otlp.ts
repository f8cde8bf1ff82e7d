/**
 * Telemetry in and out of a real Collector: a loopback OTLP/HTTP sink that the Collector's
 * otlphttp exporter posts to (JSON encoding), and a sender that posts one span to the
 * Collector's OTLP/HTTP receiver. Paths tell which exporter delivered a span, so a test proves
 * which config the Collector runs.
 */
import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { onCleanup } from './scene.js';

export interface Sink {
  readonly url: string;
  /** Span names received, by request path (e.g. /v2/traces). */
  readonly received: Map<string, string[]>;
  spans(path: string): string[];
  close(): Promise<void>;
}

function spanNames(doc: unknown): string[] {
  const out: string[] = [];
  const rs = (doc as { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: Array<{ name?: string }> }> }> }).resourceSpans ?? [];
  for (const r of rs) for (const s of r.scopeSpans ?? []) for (const sp of s.spans ?? []) if (sp.name) out.push(sp.name);
  return out;
}

export function startSink(): Promise<Sink> {
  const received = new Map<string, string[]>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      try {
        const names = spanNames(JSON.parse(body.toString('utf8')));
        const path = req.url ?? '/';
        received.set(path, [...(received.get(path) ?? []), ...names]);
      } catch {
        /* not JSON: ignore */
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      onCleanup(() => new Promise<void>((r) => server.close(() => r())));
      resolve({
        url: `http://127.0.0.1:${port}`,
        received,
        spans: (path) => received.get(path) ?? [],
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    }),
  );
}

/** Posts one span named `name` to the Collector's OTLP/HTTP receiver; returns the HTTP status (0 when refused). */
export async function sendSpan(port: number, name: string): Promise<number> {
  const now = BigInt(Date.now()) * 1_000_000n;
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'interop-sender' } }] },
        scopeSpans: [
          {
            scope: { name: 'ampgate-interop' },
            spans: [
              {
                traceId: Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex'),
                spanId: Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString('hex'),
                name,
                kind: 1,
                startTimeUnixNano: String(now),
                endTimeUnixNano: String(now + 1_000_000n),
              },
            ],
          },
        ],
      },
    ],
  };
  try {
    const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(3_000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/**
 * A Collector config: OTLP/HTTP in on `otlpPort`, out through `otlphttp/<exporter>` to
 * `<sink>/<path>/traces` (JSON, no retries, so a span shows up at once or not at all), and the
 * debug exporter. The exporter's name and path appear only in this config.
 */
export function collectorConfig(o: { otlpPort: number; sinkUrl: string; exporter: string; path: string }): string {
  return `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${o.otlpPort}
exporters:
  debug:
    verbosity: basic
  otlphttp/${o.exporter}:
    traces_endpoint: ${o.sinkUrl}/${o.path}/traces
    encoding: json
    compression: none
    retry_on_failure:
      enabled: false
    sending_queue:
      enabled: false
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [otlphttp/${o.exporter}, debug]
`;
}
