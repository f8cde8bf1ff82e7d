/**
 * Connection-settings behaviour for the TestAgent, modelled on the OTel Supervisor and the opamp-go
 * example agent: on an OpAMP offer with a new hash it reports APPLYING (if it reports
 * connection-settings status), sends agent_disconnect, reconnects to the offered endpoint with the
 * offered headers, CA and client certificate (its own CSR key when the offer has no private key),
 * then reports APPLIED with the offer hash. If the new connection fails it reports FAILED and
 * reverts to the old settings. Variants: 'never' (takes no action), 'reject' (reports FAILED).
 * Also: CSR generation for the agent-initiated certificate flow.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { AgentCapabilities, ConnectionSettingsStatuses, type ConnectionSettingsOffers, type OpAMPConnectionSettings } from '../../src/gen/opamp/v1/opamp_pb.js';
import type { TestAgent, TestAgentOptions } from './ws-agent.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const CONN_SETTINGS_CAPS: bigint =
  BigInt(AgentCapabilities.AgentCapabilities_AcceptsOpAMPConnectionSettings) | BigInt(AgentCapabilities.AgentCapabilities_ReportsConnectionSettingsStatus);

export interface ConnSettingsOptions {
  /** apply (default): switch to the offer; never: do nothing; reject: report FAILED, keep the old settings. */
  mode?: 'apply' | 'never' | 'reject';
  /** PEM private key the agent generated for its CSR (paired with an offered cert that has no key). */
  csrKeyPem?: string;
}

export interface AppliedOffer {
  readonly hash: string;
  readonly settings: OpAMPConnectionSettings;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const text = (b: Uint8Array | undefined) => (b && b.length > 0 ? Buffer.from(b).toString('utf8') : undefined);

export class ConnectionSettingsBehaviour {
  readonly offers: AppliedOffer[] = [];
  readonly applied: string[] = [];
  readonly failed: Array<{ hash: string; error: string }> = [];
  #lastHash = '';
  #work: Promise<void> = Promise.resolve();

  constructor(
    readonly agent: TestAgent,
    readonly opts: ConnSettingsOptions = {},
  ) {
    agent.handlers.push((_a, msg) => {
      if (msg.connectionSettings?.opamp) this.#onOffer(msg.connectionSettings);
    });
  }

  /** Resolves when the offers received so far have been processed. */
  settled(): Promise<void> {
    return this.#work;
  }

  #onOffer(cs: ConnectionSettingsOffers): void {
    const hash = hex(cs.hash);
    this.offers.push({ hash, settings: cs.opamp! });
    // opamp-go skips an offer whose hash it already processed.
    if (hash === this.#lastHash) return;
    this.#lastHash = hash;
    this.#work = this.#work
      .then(() => this.#apply(cs.hash, cs.opamp!))
      .catch((err: unknown) => {
        this.failed.push({ hash, error: String(err) });
      });
  }

  get #reportsStatus(): boolean {
    return (this.agent.capabilities & BigInt(AgentCapabilities.AgentCapabilities_ReportsConnectionSettingsStatus)) !== 0n;
  }

  async #status(hash: Uint8Array, status: ConnectionSettingsStatuses, errorMessage = ''): Promise<void> {
    if (this.#reportsStatus) await this.agent.send({ connectionSettingsStatus: { lastConnectionSettingsHash: hash, status, errorMessage } });
  }

  async #apply(hash: Uint8Array, settings: OpAMPConnectionSettings): Promise<void> {
    const mode = this.opts.mode ?? 'apply';
    if (mode === 'never') return;
    await this.#status(hash, ConnectionSettingsStatuses.ConnectionSettingsStatuses_APPLYING);
    if (mode === 'reject') return this.#status(hash, ConnectionSettingsStatuses.ConnectionSettingsStatuses_FAILED, 'refused by test agent');
    const previous = this.agent.opts;
    const next = optionsFromOffer(previous, settings, this.opts.csrKeyPem);
    await this.agent.disconnect();
    this.agent.opts = next;
    try {
      await this.agent.connect();
    } catch (err) {
      this.failed.push({ hash: hex(hash), error: String((err as Error).message) });
      this.agent.opts = previous;
      await this.agent.connect();
      await this.agent.send(this.#fullStateWith(hash, ConnectionSettingsStatuses.ConnectionSettingsStatuses_FAILED, String(err)));
      return;
    }
    await this.agent.send(this.#fullStateWith(hash, ConnectionSettingsStatuses.ConnectionSettingsStatuses_APPLIED));
    this.applied.push(hex(hash));
  }

  /** Full state (first message on the new connection), with the status when the agent reports it. */
  #fullStateWith(hash: Uint8Array, status: ConnectionSettingsStatuses, errorMessage = ''): Parameters<TestAgent['send']>[0] {
    const msg = this.agent.fullState() as Record<string, unknown>;
    if (this.#reportsStatus) msg.connectionSettingsStatus = { lastConnectionSettingsHash: hash, status, errorMessage };
    return msg as Parameters<TestAgent['send']>[0];
  }
}

/** The agent options an offer describes: endpoint, headers (replaced), CA, and client cert/key (or none). */
export function optionsFromOffer(prev: TestAgentOptions, s: OpAMPConnectionSettings, csrKeyPem?: string): TestAgentOptions {
  const headers: Record<string, string> = {};
  for (const h of s.headers?.headers ?? []) headers[h.key] = h.value;
  const ca = text(s.certificate?.caCert) ?? (s.tls?.caPemContents || undefined);
  const cert = text(s.certificate?.cert);
  const key = text(s.certificate?.privateKey) ?? (cert ? csrKeyPem : undefined);
  const { cert: _c, key: _k, ca: _ca, ...restWs } = prev.wsOptions ?? {};
  return {
    ...prev,
    url: s.destinationEndpoint,
    token: undefined,
    headers: s.headers ? headers : prev.headers,
    wsOptions: { ...restWs, ...(ca ? { ca } : {}), ...(cert && key ? { cert, key } : {}) },
  };
}

/** A PEM PKCS#10 request signed with a fresh ECDSA P-256 key, and that key (PKCS#8 PEM). */
export async function makeCsr(subject: string, sanUris: string[] = []): Promise<{ csrPem: string; keyPem: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const extensions = sanUris.length > 0 ? [new x509.SubjectAlternativeNameExtension(sanUris.map((value) => ({ type: 'url' as const, value })))] : [];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys: keys as never, signingAlgorithm: alg, extensions });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { csrPem: csr.toString('pem'), keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}
