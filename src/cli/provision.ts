/**
 * @module Host-side provisioning of API tokens (`ampgate tokens create --db`): the operator, who
 * can read and write the database file anyway, creates a token that is a person of its own. The
 * creation is audited in the same transaction, like every privilege change.
 */
import { existsSync } from 'node:fs';
import { AuditLog } from '../changes/audit.js';
import type { Role } from '../changes/principal.js';
import { PrivilegeAdmin } from '../creds/privileges.js';
import { AgentCredentials } from '../creds/agent-credentials.js';
import { ApiTokens } from '../creds/api-tokens.js';
import { createLogger } from '../shared/log.js';
import type { ApiTokenView } from '../creds/api-tokens.js';
import { isPostgresUrl, openPgStore } from '../store/pg/pg-store.js';
import type { Store } from '../store/ports/store.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { UsageError } from './errors.js';

type Provisioned = { token: ApiTokenView; secret: string };

/** Provisions in a SQLite file (synchronous; the benchmarks and the SQLite test suites use it). */
export function provisionApiToken(dbFile: string, name: string, role: Role, operator: `operator:${string}`): Provisioned {
  if (!existsSync(dbFile)) throw new UsageError(`no such database file: ${dbFile} (start ampgate once to create it)`);
  return provisionIn(openSqliteStore(dbFile), name, role, operator);
}

/** Provisions in the database of `--db`: a SQLite file, or a PostgreSQL URL (opened as a tool, not a replica). */
export async function provisionApiTokenIn(db: string, name: string, role: Role, operator: `operator:${string}`): Promise<Provisioned> {
  if (!isPostgresUrl(db)) return provisionApiToken(db, name, role, operator);
  return provisionIn(await openPgStore(db), name, role, operator);
}

function provisionIn(store: Store, name: string, role: Role, operator: `operator:${string}`): Provisioned {
  try {
    const admin = new PrivilegeAdmin({
      uow: store.uow,
      tokens: new ApiTokens(store.apiTokens),
      credentials: new AgentCredentials(store.agentCredentials),
      audit: new AuditLog(store.audit),
      logger: createLogger('silent'),
    });
    const { secret, view } = admin.createApiToken(operator, { name, role, origin: 'operator' });
    return { token: view, secret };
  } finally {
    store.close();
  }
}
