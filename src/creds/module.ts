/**
 * @module Composition of the credentials module: loads the CA and the listener's TLS material,
 * builds the agent authenticator for the configured mode, registers the connection-settings offer
 * provider, the reply observer and the CSR message hook with the fleet, follows re-keyed agents,
 * and returns the rotate_credentials executor and the runtime the REST routes read. Called once
 * by the composition root (src/app/credentials.ts).
 */
import type { TlsOptions } from 'node:tls';
import type { Registry } from 'prom-client';
import type { Fleet } from '../fleet/fleet.js';
import type { OfferProvider } from '../fleet/offers.js';
import type { AgentRegistry } from '../fleet/registry.js';
import type { Logger } from '../shared/log.js';
import type { AgentAuthenticator, AgentAuthMode } from '../fleet/agent-auth.js';
import type { OffersStore } from '../store/ports/offers.js';
import type { Store } from '../store/ports/store.js';
import { NoAuthenticator, TokenAuthenticator, type AgentCredentials } from './agent-credentials.js';
import { AuthTracker } from './auth-tracker.js';
import { caExists, caFiles, CertificateAuthority } from './ca.js';
import { ConnectionSettingsProvider } from './connection-settings.js';
import { CsrService } from './csr.js';
import { CredentialMetrics } from './metrics.js';
import { MtlsAuthenticator } from './mtls-authenticator.js';
import { OfferEnvironment } from './offer-environment.js';
import { RotationExecutor } from './rotation-executor.js';
import type { CredentialsRuntime } from './runtime.js';
import { ServerCertRotationFlow } from './server-cert-rotation.js';
import { ServerTls, type SwitchableTlsServer } from './server-tls.js';

export interface CredentialsSettings {
  readonly dataDir: string;
  readonly agentAuth: AgentAuthMode;
  readonly opampPublicUrl?: string;
  readonly heartbeatSeconds: number;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  readonly tlsClientCaFile?: string;
  readonly tlsServerCaFile?: string;
  readonly caCertFile?: string;
  readonly caKeyFile?: string;
  readonly csrPolicy: 'auto' | 'off';
  readonly clientCertDays: number;
}

export interface CredentialsDeps {
  readonly store: Pick<Store, 'uow' | 'offers' | 'rotations'>;
  readonly fleet: Fleet;
  readonly registry: AgentRegistry;
  readonly credentials: AgentCredentials;
  readonly settings: CredentialsSettings;
  readonly logger: Logger;
  readonly metricsRegistry: Registry;
  readonly now?: () => number;
  /** How long an agent has to connect with a certificate issued for its CSR. Default 300 s. */
  readonly csrConfirmSeconds?: number;
}

export interface CredentialsModule {
  readonly authenticator: AgentAuthenticator;
  /** Options for the listener's https server, or undefined when TLS is off. */
  readonly tlsOptions: TlsOptions | undefined;
  readonly executor: RotationExecutor;
  readonly runtime: CredentialsRuntime;
  /** Tells the module where the listener ended up (offers derive their endpoint from it). */
  attachListener(server: SwitchableTlsServer, wsUrl: string): void;
  stop(): void;
}

export async function createCredentials(deps: CredentialsDeps): Promise<CredentialsModule> {
  const { settings, logger: parent } = deps;
  const logger = parent.child({ component: 'credentials' });
  const now = deps.now ?? Date.now;
  const files = caFiles(settings);
  if ((settings.caCertFile || settings.caKeyFile) && !caExists(files)) throw new Error(`CA files not found: ${files.certFile}, ${files.keyFile}`);
  const ca = caExists(files) ? await CertificateAuthority.load(files) : undefined;
  const tls = await ServerTls.load(settings, ca, logger);
  const offersRepo = deps.store.offers;
  const tracker = new AuthTracker(deps.registry, offersRepo, now);
  const ownCredential = (uid: string, except: string | undefined) =>
    deps.credentials.forAgent(uid).some((c) => c.id !== except && c.kind !== 'enrollment' && deps.credentials.isValid(c));
  const offers = new ConnectionSettingsProvider(offersRepo, deps.registry, logger, now, (agent) => tracker.poke(agent.uid), ownCredential);
  const rt: CredentialsRuntime = {
    uow: deps.store.uow,
    dataDir: settings.dataDir,
    registry: deps.registry,
    fleet: deps.fleet,
    creds: deps.credentials,
    rotations: deps.store.rotations,
    offers,
    tracker,
    env: new OfferEnvironment(settings, tls),
    ca,
    tls,
    agentAuth: settings.agentAuth,
    clientCertDays: settings.clientCertDays,
    logger,
    metrics: new CredentialMetrics(deps.metricsRegistry),
    now,
  };
  const csr = new CsrService(rt, { policy: settings.csrPolicy, confirmSeconds: deps.csrConfirmSeconds ?? 300 });
  const observer: OfferProvider = {
    name: 'credentials-observer',
    phase: 'offer',
    contribute(agent, _msg, ctx) {
      if (ctx.reason !== 'reply') return;
      tracker.observe(agent, ctx.link.auth);
      csr.afterMessage(agent, ctx.link);
    },
  };
  deps.fleet.addProvider(observer);
  deps.fleet.addProvider(offers);
  deps.fleet.addMessageHook(csr.hook);
  followRekeys(rt, offersRepo);
  csr.resume();
  const serverCert = tls ? new ServerCertRotationFlow(rt, tls, settings) : undefined;
  return {
    authenticator: authenticatorFor(settings.agentAuth, deps.credentials, logger),
    tlsOptions: tls?.serverOptions(),
    executor: new RotationExecutor(rt, serverCert),
    runtime: rt,
    attachListener(server, wsUrl) {
      if (tls) tls.attach(server);
      rt.env.setListenerUrl(wsUrl);
      const problems = rt.env.problems();
      if (problems.length > 0) logger.warn({ problems }, 'connection-settings offers (credential rotation, CSR) are not possible until this is fixed');
    },
    stop: () => csr.stop(),
  };
}

function authenticatorFor(mode: AgentAuthMode, creds: AgentCredentials, logger: Logger): AgentAuthenticator {
  switch (mode) {
    case 'none':
      logger.warn('agent authentication is OFF (AMPGATE_AGENT_AUTH=none): any client can connect as any agent; use only for local trials');
      return new NoAuthenticator();
    case 'token':
      return new TokenAuthenticator(creds);
    case 'mtls':
      return new MtlsAuthenticator(creds, new TokenAuthenticator(creds));
  }
}

/**
 * new_instance_uid moves an agent's per-agent credentials, rotations and offer state to the new
 * uid. A WebSocket authenticated with a credential bound to the old uid is closed after the reply
 * went out, so the agent reconnects and authenticates as its new uid.
 */
function followRekeys(rt: CredentialsRuntime, offersRepo: OffersStore): void {
  rt.registry.events.on('rekeyed', (oldUid, agent) => {
    rt.uow.durably(() => {
      rt.creds.rebind(oldUid, agent.uid);
      rt.rotations.rekey(oldUid, agent.uid);
      offersRepo.rekey(oldUid, agent.uid);
    });
    rt.tracker.rekey(oldUid, agent.uid);
    const link = rt.fleet.link(agent.uid);
    if (link?.auth.boundAgentUid === oldUid) {
      setImmediate(() => link.close(1012, 'credential moved to the new instance uid; reconnect'));
    }
  });
}
