/**
 * Several `ampgate serve` replicas on one PostgreSQL database (npm run test:pg): each replica gets
 * its own data folder and ports, all share the database.
 */
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { crashEnv, startServerProcess } from './crash.js';
import { pgDatabaseFor } from './pg.js';
import type { ServerProcess } from './process.js';
import { tempDir } from './server.js';

export interface Replicas {
  /** The shared database's URL. */
  readonly db: string;
  readonly dirs: readonly string[];
}

/** A shared database and the folders of `n` replicas (replicaEnv makes each one's environment). */
export async function replicaSet(n: number, name: string): Promise<Replicas> {
  const root = tempDir();
  const db = await pgDatabaseFor(`${name}_${basename(root)}`);
  const dirs = Array.from({ length: n }, (_, i) => join(root, `r${i + 1}`));
  for (const dir of dirs) mkdirSync(dir);
  return { db, dirs };
}

/** Replica `i`'s environment; its ports are picked now, so start it right away. */
export async function replicaEnv(set: Replicas, i: number): Promise<Record<string, string>> {
  const dir = set.dirs[i]!;
  return { ...(await crashEnv(dir)), AMPGATE_DB: set.db, AMPGATE_DATA_DIR: dir };
}

/** Starts `n` replicas one after the other (each picks its ports just before it starts). */
export async function startReplicas(n: number, name: string, into: ServerProcess[]): Promise<Replicas> {
  const set = await replicaSet(n, name);
  for (let i = 0; i < n; i++) into.push(await startServerProcess(await replicaEnv(set, i)));
  return set;
}
