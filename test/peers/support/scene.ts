/**
 * Per-test cleanup for the interop suite: `useScene()` registers an afterEach that stops every
 * child process (peers and their process groups), then runs the cleanups the helpers registered
 * (ampgate process, sinks, taps), newest first, then removes the test's temp folder.
 */
import { afterEach } from 'vitest';
import { removeDir, tempDir } from '../../support/server.js';
import { stopAll } from './children.js';

const cleanups: Array<() => unknown> = [];

export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

export function useScene(): void {
  afterEach(async () => {
    await stopAll();
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });
}

/** A temp folder removed after the test (kept when KEEP_INTEROP_DIR is set, for debugging). */
export function sceneDir(): string {
  const dir = tempDir('ampgate-peers-');
  onCleanup(() => (process.env.KEEP_INTEROP_DIR ? undefined : removeDir(dir)));
  return dir;
}
