/**
 * @module Composition of the approval side: the change engine over the store, the audit anchor and
 * its checkpointer, privilege administration, and the first-start admin and enrollment tokens.
 */
import { anchorFiles, AuditAnchor, AuditCheckpointer } from '../changes/audit-anchor.js';
import { ChangeEngine } from '../changes/engine.js';
import type { Policy } from '../changes/policy.js';
import type { Settings } from '../config.js';
import { existsSync } from 'node:fs';
import { AgentCredentials } from '../creds/agent-credentials.js';
import { ApiTokens } from '../creds/api-tokens.js';
import { firstStartFile, writeFirstStartSecrets, type FirstStartSecrets } from '../creds/first-start-secrets.js';
import { PrivilegeAdmin } from '../creds/privileges.js';
import { canonicalTarget } from '../fleet/targeting.js';
import type { Logger } from '../shared/log.js';
import type { Store, UnitOfWork } from '../store/ports/store.js';

export interface ChangeModule {
  readonly changes: ChangeEngine;
  readonly auditAnchor: AuditAnchor;
  readonly checkpointer: AuditCheckpointer;
  readonly credentials: AgentCredentials;
  readonly apiTokens: ApiTokens;
  readonly privileges: PrivilegeAdmin;
}

export function createChangeModule(settings: Settings, store: Store, policy: Policy, logger: Logger): ChangeModule {
  const credentials = new AgentCredentials(store.agentCredentials);
  const apiTokens = new ApiTokens(store.apiTokens);
  const changes = new ChangeEngine({
    store,
    canonicalTarget,
    policy,
    logger,
    mcpReadOnly: settings.mcpReadOnly,
    proposalRate: { perMinute: settings.proposalRate, burst: settings.proposalBurst },
  });
  const auditAnchor = new AuditAnchor(anchorFiles(settings.dataDir, { file: settings.auditAnchorFile, keyFile: settings.auditAnchorKeyFile }), {
    createKey: true,
  });
  const checkpointer = new AuditCheckpointer(changes.audit, auditAnchor, logger.child({ component: 'audit' }));
  const privileges = new PrivilegeAdmin({ uow: store.uow, tokens: apiTokens, credentials, audit: changes.audit, denials: changes.denials, logger });
  return { changes, auditAnchor, checkpointer, credentials, apiTokens, privileges };
}

/**
 * First start: the admin API token and the agent enrollment token. Called once both listeners are
 * bound, so a start that fails (a port in use) does not consume the one time they are shown.
 * Generated secrets go to their file (mode 0600), never to the log.
 */
export function announceFirstStartSecrets(
  settings: Settings,
  m: ChangeModule,
  print: (line: string) => void,
  onSecrets: ((secrets: FirstStartSecrets & { readonly file: string }) => void) | undefined,
  logger: Logger,
  uow: UnitOfWork,
): void {
  // One durable transaction: replicas starting together on an empty shared store take turns here,
  // so only the first creates the tokens and the others see them.
  const { admin, enrollment } = uow.durably(() => {
    const admin = m.apiTokens.ensureAdmin(settings.adminToken);
    if (admin) m.privileges.recordCreated(admin.view);
    // mtls too: agents without a certificate bootstrap with it (CSR flow or a certificate rotation).
    const enrollment = settings.agentAuth !== 'none' ? m.credentials.ensureEnrollmentToken(settings.enrollmentToken) : undefined;
    if (enrollment) m.privileges.recordEnrollmentCreated(enrollment.row);
    return { admin, enrollment };
  });
  // A token given in the environment is recorded, but there is no secret to hand out.
  const adminToken = admin?.secret;
  const enrollmentToken = enrollment?.secret;
  if (!adminToken && !enrollmentToken) {
    const left = firstStartFile(settings.dataDir);
    if (existsSync(left)) {
      logger.warn({ file: left }, 'the first-start secrets file still exists: store the tokens it holds, then delete it');
      print(`ampgate: ${left} still holds first-start secrets: store them, then delete it`);
    }
    return;
  }
  const file = writeFirstStartSecrets(settings.dataDir, { adminToken, enrollmentToken });
  const what = [adminToken ? 'the initial admin API token' : '', enrollmentToken ? 'the agent enrollment token' : ''].filter(Boolean).join(' and ');
  logger.info({ file }, `created ${what}; written to their file (mode 0600), not to this log`);
  print(`ampgate: created ${what}; they are in ${file} (mode 0600) and nowhere else: store them, then delete the file`);
  onSecrets?.({ adminToken, enrollmentToken, file });
}
