/**
 * Crash between approval and execution: a child process gets a request approved and dies by
 * SIGKILL (no shutdown code runs). The next engine on the same SQLite file executes the request
 * exactly once: every per-agent effect, counted by the executor in SQLite, happens once.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { engineFixture, uid, type EngineFixture } from '../support/changes.js';
import { eventually, removeDir, tempDir } from '../support/server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function runChild(dir: string, mode: string, policy?: unknown, now?: number): Promise<{ signal: NodeJS.Signals | null; out: string }> {
  const args = ['--import', 'tsx', 'test/support/change-child.ts', dir, mode, JSON.stringify(policy ?? {}), String(now ?? Date.now())];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve({ signal, out })));
}

let fx: EngineFixture | undefined;
let dir: string;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
  removeDir(dir);
});

async function restartAndFinish(opts: Parameters<typeof engineFixture>[1] = {}): Promise<EngineFixture> {
  fx = engineFixture(dir, { agents: 4, ...opts });
  const f = fx;
  await eventually(() => f.engine.get('1')?.state === 'succeeded');
  return f;
}

function expectExactlyOnce(f: EngineFixture, calls: number): void {
  expect(f.executor.calls('1')).toBe(calls);
  expect([...f.executor.effects('1').entries()]).toEqual([
    [uid(1), 1],
    [uid(2), 1],
    [uid(3), 1],
  ]);
  const req = f.engine.get('1')!;
  expect(req.outcomes.map((o) => `${o.uid}:${o.status}`)).toEqual([`${uid(1)}:succeeded`, `${uid(2)}:succeeded`, `${uid(3)}:succeeded`]);
  expect(f.engine.audit.verify().ok).toBe(true);
}

describe('crash between approval and execution', () => {
  it('killed inside execute() before any effect: the restart executes it once', async () => {
    dir = tempDir();
    const { signal, out } = await runChild(dir, 'before-effects');
    expect(signal, out).toBe('SIGKILL');
    expect(out).toContain('KILL before the first effect');
    const f = await restartAndFinish();
    expectExactlyOnce(f, 2);
    expect(f.engine.audit.list().filter((e) => e.action === 'change.execution_started')).toHaveLength(1);
    expect(f.engine.audit.list().filter((e) => e.action === 'change.execution_resumed')).toHaveLength(1);
  });

  it('killed after the first agent: the restart resumes, the first agent is not done twice', async () => {
    dir = tempDir();
    const { signal, out } = await runChild(dir, 'mid-execution');
    expect(signal, out).toBe('SIGKILL');
    expect(out).toContain('KILL after the first effect');
    let f = await restartAndFinish();
    expectExactlyOnce(f, 2);
    // Another restart finds nothing left to do.
    await f.close();
    fx = f = engineFixture(dir, { agents: 4 });
    f.engine.tick();
    expectExactlyOnce(f, 2);
  });

  it('killed while held by a change freeze: a restart after the freeze executes it once', async () => {
    dir = tempDir();
    const now = Date.parse('2030-06-01T10:00:00Z');
    const policy = { freezes: [{ reason: 'migration window', start: '2030-06-01T09:00:00Z', end: '2030-06-01T10:20:00Z' }] };
    const { signal, out } = await runChild(dir, 'held', policy, now);
    expect(signal, out).toBe('SIGKILL');
    expect(out).toContain('APPROVED 1 approved');
    expect(out).toContain('KILL held: migration window');
    // Restarted during the freeze: still held, nothing runs.
    fx = engineFixture(dir, { agents: 4, policy, now: now + 60_000 });
    expect(fx.engine.get('1')).toMatchObject({ state: 'approved', hold: { reason: 'migration window' } });
    expect(fx.executor.calls('1')).toBe(0);
    await fx.close();
    const f = await restartAndFinish({ policy, now: Date.parse('2030-06-01T10:20:00Z') });
    expectExactlyOnce(f, 1);
  });
});
