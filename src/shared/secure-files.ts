/**
 * @module Atomic file writes with fixed permissions: secrets (keys) 0600 and public files 0644,
 * each in a 0700 directory, written to a temporary file and renamed, so no reader ever sees a
 * partial file or a secret with wider permissions.
 */
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes a private key: directory 0700, file 0600, atomically (no window with wider permissions). */
export function writeSecretFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content.endsWith('\n') ? content : `${content}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export function writePublicFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o644 });
  renameSync(tmp, path);
}
