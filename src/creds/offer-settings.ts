/**
 * @module Building OpAMP connection-settings offers: always complete (endpoint, headers, CA and
 * client certificate when used, positive heartbeat), hashed deterministically over every setting,
 * and checked before they leave the server. Pure functions; no I/O.
 *
 * Why complete: the OTel Supervisor rebuilds its whole server config from an offer. A missing
 * `destination_endpoint` leaves it without an endpoint, a missing `certificate` switches it to
 * unverified TLS, and a zero heartbeat disables heartbeats (OpAMP spec, Connection Settings
 * Management: destination_endpoint MUST be set; heartbeat_interval_seconds 0 means none).
 */
import { create } from '@bufbuild/protobuf';
import { createHash } from 'node:crypto';
import { AgentCapabilities, OpAMPConnectionSettingsSchema, type OpAMPConnectionSettings } from '../gen/opamp/v1/opamp_pb.js';
import { hasCapability } from '../protocol/capabilities.js';

/** What ampgate wants an agent's OpAMP connection to be. Plain data; may hold secrets (token, key). */
export interface OpampOfferSpec {
  /** ws://, wss://, http:// or https:// URL of the OpAMP endpoint. */
  readonly endpoint: string;
  /** Replaces the agent's headers. Empty removes them (certificate-authenticated agents). */
  readonly headers: ReadonlyArray<readonly [name: string, value: string]>;
  /** PEM bundle the agent verifies the server certificate with (TLS endpoints). */
  readonly serverCaPem?: string;
  /** Client certificate (chain) PEM. */
  readonly clientCertPem?: string;
  /** PKCS#8 PEM of the client key; absent in the CSR flow, where the agent made the key. */
  readonly clientKeyPem?: string;
  readonly heartbeatSeconds: number;
}

const TLS_MIN_VERSION = '1.2';

export function isTlsEndpoint(url: string): boolean {
  return /^(wss|https):\/\//i.test(url);
}

/** The endpoint for an agent's transport: WebSocket agents get ws(s)://, polling agents http(s)://. */
export function endpointFor(base: string, transport: 'ws' | 'http'): string {
  const m = /^(wss?|https?):\/\/(.*)$/i.exec(base);
  if (!m) throw new Error(`not an OpAMP URL: ${base}`);
  const secure = /^(wss|https)$/i.test(m[1]!);
  const scheme = transport === 'ws' ? (secure ? 'wss' : 'ws') : secure ? 'https' : 'http';
  return `${scheme}://${m[2]}`;
}

/** The OpAMPConnectionSettings message for a spec. */
export function buildOpampSettings(spec: OpampOfferSpec): OpAMPConnectionSettings {
  const tls = isTlsEndpoint(spec.endpoint);
  const enc = (s: string | undefined) => (s === undefined ? new Uint8Array(0) : new Uint8Array(Buffer.from(s, 'utf8')));
  return create(OpAMPConnectionSettingsSchema, {
    destinationEndpoint: spec.endpoint,
    headers: { headers: spec.headers.map(([key, value]) => ({ key, value })) },
    heartbeatIntervalSeconds: BigInt(spec.heartbeatSeconds),
    ...(tls || spec.clientCertPem ? { certificate: { caCert: enc(spec.serverCaPem), cert: enc(spec.clientCertPem), privateKey: enc(spec.clientKeyPem) } } : {}),
    ...(tls ? { tls: { caPemContents: spec.serverCaPem ?? '', includeSystemCaCertsPool: false, insecureSkipVerify: false, minVersion: TLS_MIN_VERSION } } : {}),
  });
}

/**
 * ConnectionSettingsOffers.hash: SHA-256 over a length-prefixed canonical encoding of every setting
 * (header names case-folded and sorted). Equal settings give equal hashes across restarts; any
 * change in any setting gives a new hash (opamp-go skips offers whose hash it already processed).
 */
export function offerHash(spec: OpampOfferSpec): Uint8Array {
  const headers = spec.headers.map(([k, v]) => `${k.toLowerCase()}:${v}`).sort();
  const fields: Array<[string, string]> = [
    ['endpoint', spec.endpoint],
    ['headers', String(headers.length)],
    ...headers.map((h): [string, string] => ['header', h]),
    ['server_ca', spec.serverCaPem ?? ''],
    ['client_cert', spec.clientCertPem ?? ''],
    ['client_key', spec.clientKeyPem ?? ''],
    ['heartbeat', String(spec.heartbeatSeconds)],
    ['tls_min', isTlsEndpoint(spec.endpoint) ? TLS_MIN_VERSION : ''],
  ];
  const h = createHash('sha256').update('ampgate/opamp-offer/v1\n');
  for (const [name, value] of fields) {
    const v = Buffer.from(value, 'utf8');
    h.update(`${name}:${v.length}:`).update(v).update('\n');
  }
  return new Uint8Array(h.digest());
}

/**
 * Why an offer must not be sent to an agent with capabilities `caps` (empty when it is complete).
 * `agentMadeKey` allows a certificate without private key (CSR flow).
 */
export function offerProblems(s: OpAMPConnectionSettings, caps: bigint, agentMadeKey = false): string[] {
  const problems: string[] = [];
  if (!/^(wss?|https?):\/\/[^/\s]+/i.test(s.destinationEndpoint)) problems.push('destination_endpoint must be a ws, wss, http or https URL');
  if (!s.headers) problems.push('headers must be present (an empty list replaces the agent headers)');
  if (s.heartbeatIntervalSeconds <= 0n && hasCapability(caps, AgentCapabilities.AgentCapabilities_ReportsHeartbeat)) {
    problems.push('heartbeat_interval_seconds must be positive for agents that report heartbeats (0 disables them)');
  }
  const cert = s.certificate;
  if (isTlsEndpoint(s.destinationEndpoint)) {
    if (!cert || cert.caCert.length === 0)
      problems.push('certificate.ca_cert must be set for a TLS endpoint (without it the Supervisor skips server verification)');
    if (!s.tls || s.tls.caPemContents === '') problems.push('tls.ca_pem_contents must be set for a TLS endpoint');
    if (s.tls?.insecureSkipVerify) problems.push('tls.insecure_skip_verify must not be set');
  } else if (cert && cert.cert.length > 0) {
    problems.push('a client certificate needs a TLS endpoint (wss:// or https://)');
  }
  if (cert && cert.cert.length > 0 && cert.privateKey.length === 0 && !agentMadeKey) problems.push('certificate.private_key is missing');
  if (cert && cert.privateKey.length > 0 && cert.cert.length === 0) problems.push('certificate.private_key without certificate.cert');
  return problems;
}

/** "Authorization: Bearer <token>" as a header pair. */
export function bearerHeader(token: string): readonly [string, string] {
  return ['Authorization', `Bearer ${token}`];
}
