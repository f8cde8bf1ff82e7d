/**
 * @module The clean-shutdown marker: a file in the data folder written after a graceful stop has
 * flushed every batched write and closed the store, and taken (removed) at the next start. Its
 * presence tells the next process that the stored agent records are complete; without it (first
 * start, crash, kill -9) agents that reconnect are asked for their full state once.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MARKER = 'clean-shutdown';

/** True when the previous process stopped cleanly; the marker is removed either way. */
export function takeCleanShutdownMarker(dataDir: string): boolean {
  const file = join(dataDir, MARKER);
  if (!existsSync(file)) return false;
  rmSync(file, { force: true });
  return true;
}

export function writeCleanShutdownMarker(dataDir: string): void {
  writeFileSync(join(dataDir, MARKER), `${new Date().toISOString()}\n`, { mode: 0o600 });
}
