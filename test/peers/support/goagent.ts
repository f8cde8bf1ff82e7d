/**
 * ampgate-goagent (interop/goagent): our agent on opamp-go's client module, standing in for
 * opamp-go's example agent. It prints one JSON event per line; `events()` parses them.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnChild, type Child } from './children.js';
import { peers } from './peers.js';

export interface GoAgent {
  readonly uid: string;
  readonly dir: string;
  readonly child: Child;
  events(): Array<Record<string, unknown> & { event: string }>;
}

/** The opamp-go example agent's local config: OTLP in, OTLP out, one traces pipeline. */
export const EXAMPLE_LOCAL_CONFIG = `receivers:
  otlp:
    protocols:
      grpc: {}
      http: {}
exporters:
  otlp:
    endpoint: localhost:1111
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: []
      exporters: [otlp]
`;

export function startGoAgent(dir: string, name: string, o: { endpoint: string; token?: string; args?: readonly string[]; localConfig?: string }): GoAgent {
  const home = join(dir, name);
  mkdirSync(home, { recursive: true });
  const uid = randomUUID();
  const args = ['-endpoint', o.endpoint, '-instance-uid', uid, '-service-name', name, '-state-dir', join(home, 'state'), '-heartbeat', '5'];
  if (o.token) args.push('-header', `Authorization=Bearer ${o.token}`);
  if (o.localConfig !== undefined) {
    writeFileSync(join(home, 'local.yaml'), o.localConfig);
    args.push('-local-config', join(home, 'local.yaml'));
  }
  args.push(...(o.args ?? []));
  const child = spawnChild(`goagent ${name}`, peers().goagent.bin, args, { stopSignal: 'SIGTERM' });
  return {
    uid,
    dir: home,
    child,
    events: () =>
      child
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown> & { event: string }];
          } catch {
            return [];
          }
        }),
  };
}
