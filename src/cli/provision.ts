/**
 * @module Host-side provisioning of API tokens (`ampgate tokens create --db`): the operator, who
 * can read and write the database file anyway, creates a token that is a person of its own. The
 * creation is audited in the same transaction, like every privilege change.
 */
import { existsSync } from 'node:fs';
import { AuditLog } from '../changes/audit.js';
import type { Role } from '../changes/principal.js';
import { PrivilegeAdmin } from '../changes/privileges.js';
import { AgentCredentials } from '../creds/agent-credentials.js';
import { createLogger } from '../log.js';
import { ApiTokensRepo, type ApiTokenView } from '../store/api-tokens-repo.js';
import { AuditRepo } from '../store/audit-repo.js';
import { openDatabase } from '../store/db.js';
import { UsageError } from './errors.js';

export function provisionApiToken(dbFile: string, name: string, role: Role, operator: `operator:${string}`): { token: ApiTokenView; secret: string } {
  if (!existsSync(dbFile)) throw new UsageError(`no such database file: ${dbFile} (start ampgate once to create it)`);
  const db = openDatabase(dbFile);
  try {
    const tokens = new ApiTokensRepo(db);
    const admin = new PrivilegeAdmin({ db, tokens, credentials: new AgentCredentials(db), audit: new AuditLog(new AuditRepo(db)), logger: createLogger('silent') });
    const { secret, view } = admin.createApiToken(operator, { name, role, origin: 'operator' });
    return { token: view, secret };
  } finally {
    db.close();
  }
}
