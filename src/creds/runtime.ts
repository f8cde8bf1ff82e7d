/**
 * @module Everything the credentials module's parts share at run time (built once by
 * createCredentials in src/creds/module.ts and passed in; no singletons).
 */
import type { Fleet } from '../fleet/fleet.js';
import type { AgentRegistry } from '../fleet/registry.js';
import type { Logger } from '../shared/log.js';
import type { AgentAuthMode } from '../fleet/agent-auth.js';
import type { UnitOfWork } from '../store/ports/store.js';
import type { RotationsStore } from '../store/ports/rotations.js';
import type { AgentCredentials } from './agent-credentials.js';
import type { AuthTracker } from './auth-tracker.js';
import type { CertificateAuthority } from './ca.js';
import type { ConnectionSettingsProvider } from './connection-settings.js';
import type { CredentialMetrics } from './metrics.js';
import type { OfferEnvironment } from './offer-environment.js';
import type { ServerTls } from './server-tls.js';

export interface CredentialsRuntime {
  readonly uow: UnitOfWork;
  /** The database file; the CA and TLS files live next to it. */
  readonly dataDir: string;
  readonly registry: AgentRegistry;
  readonly fleet: Fleet;
  readonly creds: AgentCredentials;
  readonly rotations: RotationsStore;
  readonly offers: ConnectionSettingsProvider;
  readonly tracker: AuthTracker;
  readonly env: OfferEnvironment;
  readonly ca: CertificateAuthority | undefined;
  readonly tls: ServerTls | undefined;
  readonly agentAuth: AgentAuthMode;
  readonly clientCertDays: number;
  readonly logger: Logger;
  readonly metrics: CredentialMetrics;
  readonly now: () => number;
}
