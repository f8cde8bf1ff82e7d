/**
 * Temp folders and polling for tests, with no server behind them: unit tests import this, not
 * server.ts, so they load only what they test. Every folder made here is removed after its test
 * file (test/support/cleanup.ts, a vitest setup file), whether or not the test removed it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every folder tempDir() made in this test file; removeTempDirs() (run after each file) deletes them. */
const made = new Set<string>();

export function tempDir(prefix = 'ampgate-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Deletes every folder tempDir() made and that is still there (test/support/cleanup.ts runs it). */
export function removeTempDirs(): void {
  for (const dir of made) removeDir(dir);
  made.clear();
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** Polls `fn` until it returns a truthy value or the timeout passes. */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 5_000, stepMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
