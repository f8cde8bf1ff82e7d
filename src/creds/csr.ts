/**
 * @module The agent-initiated CSR flow (spec §3 item 28, capability AcceptsConnectionSettingsRequest).
 * A `connection_settings_request.opamp.certificate_request.csr` is checked in three stages:
 * 1. the message hook, synchronously: mode, capability, PEM PKCS#10 syntax, key type, and the
 *    uid rule (a CSR that names an instance uid in CN or SAN MUST name the sender, spec);
 * 2. with the connection's credentials (same exchange): a certificate for a uid that has its own
 *    credential is only issued over a connection authenticated with that credential; the shared
 *    enrollment token can only bootstrap agents that have none;
 * 3. asynchronously: the CSR signature (WebCrypto), then signing with ampgate's CA.
 * The certificate names the uid (CN and urn:uuid SAN) whatever subject was requested, and is
 * offered as certificate{cert, ca_cert} with no private_key, plus endpoint, empty headers, CA and
 * heartbeat. Failures answer error_response BadRequest: at once in stage 1, pushed (WebSocket) or
 * in reply to the next poll (HTTP) afterwards. The old credential is revoked once the agent
 * connects with the new certificate; an unused certificate is revoked after `confirmSeconds`.
 */
import { createPublicKey } from 'node:crypto';
import { AgentCapabilities, type AgentToServer } from '../gen/opamp/v1/opamp_pb.js';
import type { AgentRecord } from '../fleet/agent-state.js';
import type { AgentAuth, AgentLink } from '../fleet/link.js';
import { hasCapability } from '../protocol/capabilities.js';
import { uidFromString } from '../protocol/uid.js';
import { badRequest } from '../protocol/error-response.js';
import type { RotationRow } from '../store/ports/rotations.js';
import { certChainPem, describeCredential, newRotationId, pendingOffer } from './mint.js';
import { abandonRotation, completeRotation, rotationVerdict } from './rotation-steps.js';
import type { CredentialsRuntime } from './runtime.js';
import { certFingerprint, type x509, x509lib } from './x509.js';

const MAX_CSR_BYTES = 64 * 1024;
const UUID_NAME = /^(?:urn:uuid:)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export interface CsrOptions {
  readonly policy: 'auto' | 'off';
  /** How long the agent has to connect with the issued certificate before it is revoked. */
  readonly confirmSeconds: number;
}

export class CsrService {
  readonly #validated = new Map<string, x509.Pkcs10CertificateRequest>();
  /** Refusals found after the exchange, for HTTP agents: returned by the hook on their next message. */
  readonly #refusals = new Map<string, string>();
  readonly #inFlight = new Set<string>();
  readonly #stop = new AbortController();

  constructor(
    private readonly rt: CredentialsRuntime,
    private readonly opts: CsrOptions,
  ) {}

  /** Fleet message hook (stage 1). */
  readonly hook = (agent: AgentRecord, msg: AgentToServer): string | undefined => {
    const late = this.#refusals.get(agent.uid);
    if (late !== undefined) {
      this.#refusals.delete(agent.uid);
      return late;
    }
    const opamp = msg.connectionSettingsRequest?.opamp;
    if (!opamp) return undefined; // spec: a request without opamp settings is not actionable
    const refusal = this.#validate(agent, opamp.certificateRequest?.csr);
    if (typeof refusal === 'string') {
      this.rt.metrics.csr.inc({ result: 'refused' });
      this.rt.logger.info({ agent: agent.uid, reason: refusal }, 'refused a certificate signing request');
      return refusal;
    }
    this.#validated.set(agent.uid, refusal);
    return undefined;
  };

  /** Stage 2 and 3, called for every reply with the link that carried the message. */
  afterMessage(agent: AgentRecord, link: AgentLink): void {
    const csr = this.#validated.get(agent.uid);
    if (!csr) return;
    this.#validated.delete(agent.uid);
    const refusal = this.#authorise(agent, link.auth);
    if (refusal) return this.#refuseLater(agent.uid, link, refusal);
    this.#inFlight.add(agent.uid);
    this.#issue(agent.uid, csr, link)
      .catch((err: unknown) => {
        if (!(err instanceof CsrRefusal)) this.rt.logger.error({ err, agent: agent.uid }, 'signing a CSR failed');
        this.#refuseLater(agent.uid, link, err instanceof CsrRefusal ? err.message : 'the certificate could not be issued');
      })
      .finally(() => this.#inFlight.delete(agent.uid));
  }

  /** Re-arms the wait for certificates issued before a restart. */
  resume(): void {
    for (const row of this.rt.rotations.open()) if (row.credential === 'csr') void this.#confirm(row);
  }

  stop(): void {
    this.#stop.abort();
  }

  #validate(agent: AgentRecord, der: Uint8Array | undefined): string | x509.Pkcs10CertificateRequest {
    if (!der || der.length === 0) return 'connection_settings_request.opamp.certificate_request.csr is empty';
    if (this.opts.policy === 'off') return 'this server does not sign certificate requests (AMPGATE_CSR_POLICY=off)';
    if (this.rt.agentAuth !== 'mtls' || !this.rt.ca)
      return 'this server does not authenticate agents with client certificates (AMPGATE_AGENT_AUTH is not mtls), so it signs no CSR';
    if (!hasCapability(agent.capabilities, AgentCapabilities.AgentCapabilities_AcceptsOpAMPConnectionSettings)) {
      return 'the agent does not accept OpAMP connection settings (AcceptsOpAMPConnectionSettings), so a signed certificate could not be delivered';
    }
    if (der.length > MAX_CSR_BYTES) return `the CSR is larger than ${MAX_CSR_BYTES} bytes`;
    if (this.#inFlight.has(agent.uid)) return 'a CSR from this agent is already being processed';
    let csr: x509.Pkcs10CertificateRequest;
    try {
      csr = new (x509lib().Pkcs10CertificateRequest)(Buffer.from(der).toString('utf8'));
    } catch {
      return 'the CSR is not a PEM-encoded PKCS#10 certificate request';
    }
    const named = uidsNamedIn(csr).filter((u) => u !== agent.uid);
    if (named.length > 0) return `the CSR names instance uid ${named[0]}, but the request comes from ${agent.uid}`;
    return keyProblem(csr) ?? csr;
  }

  #authorise(agent: AgentRecord, auth: AgentAuth): string | undefined {
    if (auth.boundAgentUid === agent.uid) return undefined; // renewal over the agent's own credential
    if (auth.credentialKind !== 'enrollment') return 'this connection is not authenticated with a credential that may request certificates';
    const own = this.rt.creds.forAgent(agent.uid).find((c) => c.kind !== 'enrollment' && this.rt.creds.isValid(c));
    if (own)
      return (
        `instance uid ${agent.uid} already has its own credential (${describeCredential(this.rt, own.id)}): send the CSR over a connection ` +
        `authenticated with it`
      );
    const busy = this.rt.rotations.open().find((r) => r.agent_uid === agent.uid && r.credential !== 'csr');
    if (busy) return 'a credential rotation for this agent is in progress';
    return undefined;
  }

  async #issue(uid: string, csr: x509.Pkcs10CertificateRequest, link: AgentLink): Promise<void> {
    const rt = this.rt;
    if (!(await csr.verify())) throw new CsrRefusal('the CSR signature does not verify with its public key');
    const cert = await rt.ca!.issueClient(uid, csr.publicKey, rt.clientCertDays);
    const agent = rt.registry.get(uid);
    if (!agent) throw new CsrRefusal('the agent is no longer known');
    const id = newRotationId();
    const offer = pendingOffer(rt, agent, { headers: [], clientCertPem: certChainPem(rt, cert) }, { purpose: 'csr', reference: id, agentMadeKey: true });
    const superseded = rt.rotations.open().filter((r) => r.agent_uid === uid && r.credential === 'csr');
    for (const r of superseded) abandonRotation(rt, r, 'superseded by a newer CSR from the agent');
    const row = rt.uow.durably(() => {
      const c = rt.creds.addCertificate(uid, certFingerprint(cert.rawData), cert.notAfter.getTime());
      return rt.rotations.insert({
        id,
        change_id: null,
        agent_uid: uid,
        credential: 'csr',
        state: 'offering',
        old_credential_id: link.auth.credentialId ?? null,
        new_credential_id: c.id,
        attempt: 1,
        offer_hash: offer.hashHex,
        deadline: rt.now() + this.opts.confirmSeconds * 1000,
        detail: '',
      });
    });
    rt.offers.offer(uid, offer);
    rt.fleet.nudge(uid);
    rt.metrics.csr.inc({ result: 'issued' });
    rt.logger.info(
      { agent: uid, certificate: describeCredential(rt, row.new_credential_id), notAfter: cert.notAfter.toISOString() },
      "signed the agent's CSR; offering the certificate",
    );
    void this.#confirm(row);
  }

  async #confirm(row: RotationRow): Promise<void> {
    const verdict = await this.rt.tracker.until(row.agent_uid, rotationVerdict(row, true, this.opts.confirmSeconds), row.deadline, this.#stop.signal);
    if (verdict === 'aborted') return;
    const current = this.rt.rotations.get(row.id)!;
    if (current.state !== 'offering') return; // superseded meanwhile
    if (verdict.kind === 'ok') completeRotation(this.rt, current, verdict.detail);
    else abandonRotation(this.rt, current, verdict.kind === 'fail' ? verdict.reason : 'the certificate was not used');
  }

  #refuseLater(uid: string, link: AgentLink, message: string): void {
    this.rt.metrics.csr.inc({ result: 'refused' });
    this.rt.logger.info({ agent: uid, reason: message }, 'refused a certificate signing request');
    if (link.canPush && link.isOpen) {
      // After the reply to the CSR-carrying message has been written.
      setImmediate(() => link.push(badRequest(uidFromString(uid), message)));
      return;
    }
    if (this.#refusals.size < 100_000) this.#refusals.set(uid, message);
  }
}

class CsrRefusal extends Error {}

/** Instance uids a CSR names: CN values and SAN URIs/DNS names that are UUIDs (or urn:uuid:). */
function uidsNamedIn(csr: x509.Pkcs10CertificateRequest): string[] {
  const values = [...csr.subjectName.getField('CN')];
  const ext = csr.getExtension('2.5.29.17'); // subjectAltName
  const san = ext ? new (x509lib().SubjectAlternativeNameExtension)(ext.rawData) : undefined;
  for (const n of san?.names.items ?? []) if (n.type === 'url' || n.type === 'dns') values.push(n.value);
  const out = new Set<string>();
  for (const v of values) {
    const m = UUID_NAME.exec(v.trim());
    if (m) out.add(m[1]!.toLowerCase());
  }
  return [...out];
}

/** ECDSA P-256/P-384 or RSA of at least 2048 bits; anything else is refused. */
function keyProblem(csr: x509.Pkcs10CertificateRequest): string | undefined {
  try {
    const key = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
    const d = key.asymmetricKeyDetails ?? {};
    if (key.asymmetricKeyType === 'ec' && (d.namedCurve === 'prime256v1' || d.namedCurve === 'secp384r1')) return undefined;
    if ((key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') && (d.modulusLength ?? 0) >= 2048) return undefined;
    return (
      `the CSR key (${key.asymmetricKeyType ?? 'unknown'} ${d.namedCurve ?? d.modulusLength ?? ''}) is not accepted: use ECDSA P-256/P-384 or ` +
      `RSA >= 2048 bits`
    );
  } catch {
    return 'the CSR public key cannot be read';
  }
}
