/**
 * @module The opamp-go programs of bench/opamp-go (a minimal opamp-go server and the ramp load
 * generator on opamp-go's WebSocket client), built from the opamp-go module with the local Go
 * toolchain into bench/results/opamp-go/<hash of the sources> (not committed), so an edit rebuilds.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = join(ROOT, 'bench', 'opamp-go');

function sourceKey(): string {
  const h = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'ramp/main.go', 'server/main.go']) h.update(f).update(readFileSync(join(SRC, f)));
  return h.digest('hex').slice(0, 12);
}

/** Builds both programs when missing; returns their paths. */
export function buildOpampGo(log: (line: string) => void): { server: string; ramp: string } {
  const out = join(ROOT, 'bench', 'results', 'opamp-go', sourceKey());
  const bins = { server: join(out, 'server'), ramp: join(out, 'ramp') };
  if (existsSync(bins.server) && existsSync(bins.ramp)) return bins;
  mkdirSync(out, { recursive: true });
  log(`building bench/opamp-go (opamp-go module) into ${out}`);
  try {
    execFileSync('go', ['build', '-o', `${out}/`, './ramp', './server'], {
      cwd: SRC,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, GOTOOLCHAIN: 'local', GOTELEMETRY: 'off', GOFLAGS: '-modcacherw -buildvcs=false' },
    });
  } catch (err) {
    throw new Error(`building bench/opamp-go failed (needs Go and the module proxy): ${(err as Error).message}`);
  }
  if (readdirSync(out).length < 2) throw new Error(`go build left no binaries in ${out}`);
  return bins;
}

export interface RampResult {
  readonly agents: number;
  readonly connected: number;
  readonly answered: number;
  readonly connectMs: number[];
  readonly firstReplyMs: number[];
  readonly replies: number;
  readonly connectFailed: number;
  readonly serverErrors: number;
  readonly rampSeconds: number;
}

export interface RampOptions {
  readonly endpoint: string;
  readonly token?: string;
  readonly agents: number;
  readonly rate: number;
  readonly heartbeatS: number;
  readonly holdS: number;
}

/** Runs the ramp generator to completion and parses its JSON result. */
export function runRamp(bin: string, o: RampOptions, timeoutMs: number): Promise<RampResult> {
  const args = ['-endpoint', o.endpoint, '-agents', String(o.agents), '-rate', String(o.rate), '-heartbeat', `${o.heartbeatS}s`, '-hold', `${o.holdS}s`];
  if (o.token) args.push('-token', o.token);
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4_000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ramp generator exceeded ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`ramp generator exited ${code}: ${err}`));
      try {
        resolve(JSON.parse(out) as RampResult);
      } catch {
        reject(new Error(`ramp generator printed no result: ${out.slice(0, 500)} ${err}`));
      }
    });
  });
}
