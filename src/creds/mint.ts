/**
 * @module Minting per-agent credentials and turning them into complete offers. Bearer tokens are
 * stored only as SHA-256 hashes. Client certificates get a key generated here; the private key
 * exists only in memory, inside the pending offer, until the rotation ends (delivered only over
 * the TLS OpAMP connection, never stored or logged). After a restart the key is gone, so a rotation
 * that still needs it mints a fresh credential instead of resending (src/creds/rotate-agent.ts).
 */
import { randomUUID } from 'node:crypto';
import type { AgentRecord } from '../fleet/agent-state.js';
import type { CredentialRow } from './agent-credentials.js';
import type { PendingOffer } from './connection-settings.js';
import type { OfferParts } from './offer-environment.js';
import { bearerHeader, buildOpampSettings, offerHash } from './offer-settings.js';
import type { CredentialsRuntime } from './runtime.js';
import { newToken } from '../shared/secrets.js';
import { certFingerprint, generateKeyPair, privateKeyPem, type x509 } from './x509.js';

export type MintKind = 'token' | 'certificate';

export interface Minted {
  /** Stores the credential row; call inside the same durable transaction as the rotation row. */
  register(): CredentialRow;
  readonly parts: OfferParts;
}

/** Prepares a new credential for `agent` (nothing is stored until `register`). */
export async function mint(rt: CredentialsRuntime, agent: AgentRecord, kind: MintKind): Promise<Minted> {
  if (kind === 'token') {
    const token = newToken('ampa');
    return { register: () => rt.creds.add('agent_token', token, agent.uid), parts: { headers: [bearerHeader(token)] } };
  }
  if (!rt.ca) throw new Error('no CA configured');
  const keys = await generateKeyPair();
  const cert = await rt.ca.issueClient(agent.uid, keys.publicKey, rt.clientCertDays);
  const keyPem = await privateKeyPem(keys.privateKey);
  return {
    register: () => rt.creds.addCertificate(agent.uid, certFingerprint(cert.rawData), cert.notAfter.getTime()),
    // Certificate-authenticated agents send no Authorization header: the empty list removes the
    // bootstrap token from agents that replace their headers with the offer's (the Supervisor).
    parts: { headers: [], clientCertPem: certChainPem(rt, cert), clientKeyPem: keyPem },
  };
}

export function certChainPem(rt: CredentialsRuntime, cert: x509.X509Certificate): string {
  return `${cert.toString('pem')}\n${rt.ca?.chainPem ?? ''}`;
}

/** A pending offer for `agent` from offer parts. */
export function pendingOffer(
  rt: CredentialsRuntime,
  agent: AgentRecord,
  parts: OfferParts,
  opts: { purpose: 'rotation' | 'csr'; reference: string; extraTrustPem?: string; agentMadeKey?: boolean },
): PendingOffer {
  const spec = rt.env.spec(agent, parts, opts.extraTrustPem);
  const hash = offerHash(spec);
  return {
    purpose: opts.purpose,
    reference: opts.reference,
    settings: buildOpampSettings(spec),
    hash,
    hashHex: Buffer.from(hash).toString('hex'),
    agentMadeKey: opts.agentMadeKey ?? false,
  };
}

export function newRotationId(): string {
  return randomUUID();
}

/** "token …a3f9", "certificate …77c1", "enrollment token …0b2e" for a credential id. */
export function describeCredential(rt: CredentialsRuntime, id: string | null | undefined): string {
  if (!id) return 'no credential';
  const row = rt.creds.get(id);
  if (!row) return 'an unknown credential';
  const kind = row.kind === 'client_cert' ? 'certificate' : row.kind === 'enrollment' ? 'enrollment token' : 'token';
  return `${kind} ${row.fingerprint}`;
}
