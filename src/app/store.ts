/**
 * @module The composition root's choice of store: AMPGATE_DB is a SQLite file (the default, one
 * process) or a PostgreSQL URL (shared by several replicas, each joining the cluster). This is the
 * only place that knows which one runs; everything else sees the ports (src/store/ports).
 */
import type { Logger } from '../shared/log.js';
import { isPostgresUrl } from '../store/pg/url.js';
import type { Store } from '../store/ports/store.js';
import { openSqliteStore } from '../store/sqlite-store.js';

/**
 * Opens the configured store; with PostgreSQL this process joins the cluster as a replica.
 * `checkpoints` (SQLite): WAL checkpoints on a worker thread, or inside the commits.
 */
export async function openAppStore(db: string, logger: Logger, checkpoints: 'background' | 'inline' = 'background'): Promise<Store> {
  const log = logger.child({ component: 'store' });
  if (!isPostgresUrl(db)) {
    return openSqliteStore(db, { checkpoints: checkpoints === 'inline' ? false : { onError: (message) => log.warn(message) } });
  }
  // Loaded only for PostgreSQL: a SQLite start does not pay for the driver and the bridge.
  const { openPgStore } = await import('../store/pg/pg-store.js');
  return openPgStore(db, { replica: true, onError: (what, err) => log.error({ err }, `${what} failed`) });
}

/** The database as /healthz reports it: which kind, and whether (and how fast) it answers. */
export function databaseHealth(store: Store): { kind: Store['kind']; ok: boolean; latencyMs?: number; error?: string } {
  try {
    return { kind: store.kind, ok: true, latencyMs: Math.round(store.ping() * 100) / 100 };
  } catch (err) {
    return { kind: store.kind, ok: false, error: (err as Error).message };
  }
}

/** A URL as logs and /healthz may show it: without its password. */
export function redactDbUrl(db: string): string {
  return isPostgresUrl(db) ? db.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@') : db;
}
