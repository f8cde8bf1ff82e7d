/**
 * @module Composition of the approval side: the change engine over the store, the audit anchor and
 * its checkpointer, privilege administration, and the first-start admin and enrollment tokens.
 */
import { anchorFiles, AuditAnchor, AuditCheckpointer } from '../changes/audit-anchor.js';
import { ChangeEngine } from '../changes/engine.js';
import type { Policy } from '../changes/policy.js';
import type { Settings } from '../config.js';
import { AgentCredentials } from '../creds/agent-credentials.js';
import { PrivilegeAdmin } from '../creds/privileges.js';
import { canonicalTarget } from '../fleet/targeting.js';
import type { Logger } from '../shared/log.js';
import type { Store } from '../store/ports/store.js';

export interface ChangeModule {
  readonly changes: ChangeEngine;
  readonly auditAnchor: AuditAnchor;
  readonly checkpointer: AuditCheckpointer;
  readonly credentials: AgentCredentials;
  readonly privileges: PrivilegeAdmin;
}

export function createChangeModule(settings: Settings, store: Store, policy: Policy, logger: Logger): ChangeModule {
  const credentials = new AgentCredentials(store.agentCredentials);
  const changes = new ChangeEngine({
    store,
    canonicalTarget,
    policy,
    logger,
    mcpReadOnly: settings.mcpReadOnly,
    proposalRate: { perMinute: settings.proposalRate, burst: settings.proposalBurst },
  });
  const auditAnchor = new AuditAnchor(anchorFiles(settings.dbPath, { file: settings.auditAnchorFile, keyFile: settings.auditAnchorKeyFile }), { createKey: true });
  const checkpointer = new AuditCheckpointer(changes.audit, auditAnchor, logger.child({ component: 'audit' }));
  const privileges = new PrivilegeAdmin({ uow: store.uow, tokens: store.apiTokens, credentials, audit: changes.audit, denials: changes.denials, logger });
  return { changes, auditAnchor, checkpointer, credentials, privileges };
}

/** First start: the admin API token and the agent enrollment token, each secret printed once. */
export function ensureFirstStartTokens(settings: Settings, store: Store, m: ChangeModule, print: (line: string) => void): void {
  const admin = store.apiTokens.ensureAdmin(settings.adminToken);
  if (admin) m.privileges.recordCreated(admin.view);
  if (admin?.secret) print(`ampgate: created the initial admin API token (shown once, store it now): ${admin.secret}`);
  if (settings.agentAuth !== 'none') {
    // mtls too: agents without a certificate bootstrap with it (CSR flow or a certificate rotation).
    const enrollment = m.credentials.ensureEnrollmentToken(settings.enrollmentToken);
    if (enrollment) m.privileges.recordEnrollmentCreated(enrollment.row);
    if (enrollment?.secret) print(`ampgate: created the agent enrollment token (shown once, store it now): ${enrollment.secret}`);
  }
}
