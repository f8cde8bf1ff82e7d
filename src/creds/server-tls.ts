/**
 * @module TLS of the OpAMP listener: the server certificate and key (PEM files), the client CAs
 * and client-certificate request for `mtls`, the CA bundle agents are told to trust in offers, and
 * hot-swapping the server certificate (server.setSecureContext) without dropping connections.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { Logger } from '../shared/log.js';
import type { CertificateAuthority } from './ca.js';
import { managedTrustFile } from './staged-tls.js';
import { certFingerprint, parseCertificates } from './x509.js';

export interface TlsSettings {
  readonly dataDir: string;
  readonly agentAuth: 'token' | 'none' | 'mtls';
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  readonly tlsClientCaFile?: string;
  readonly tlsServerCaFile?: string;
}

/** What ServerTls needs of the listener's TLS server: to switch its certificate in place. */
export interface SwitchableTlsServer {
  setSecureContext(options: SecureContextOptions): void;
}

export class ServerTls {
  #certPem: string;
  #keyPem: string;
  #trustPem: string | undefined;
  #server: SwitchableTlsServer | undefined;

  private constructor(
    certPem: string,
    keyPem: string,
    trustPem: string | undefined,
    readonly clientCaPem: string | undefined,
  ) {
    this.#certPem = certPem;
    this.#keyPem = keyPem;
    this.#trustPem = trustPem;
  }

  /**
   * Reads the listener's TLS material, or returns undefined when TLS is off. `mtls` needs TLS and
   * the CA: ampgate's CA (plus AMPGATE_TLS_CLIENT_CA) verifies client certificates.
   */
  static async load(s: TlsSettings, ca: CertificateAuthority | undefined, logger: Logger): Promise<ServerTls | undefined> {
    if (!s.tlsCertFile && !s.tlsKeyFile) {
      if (s.agentAuth === 'mtls')
        throw new Error(
          'AMPGATE_AGENT_AUTH=mtls needs TLS on the OpAMP listener: set AMPGATE_TLS_CERT and AMPGATE_TLS_KEY (`ampgate ca init --server-cert` makes them)',
        );
      return undefined;
    }
    if (!s.tlsCertFile || !s.tlsKeyFile) throw new Error('AMPGATE_TLS_CERT and AMPGATE_TLS_KEY must be set together');
    const certPem = readFileSync(s.tlsCertFile, 'utf8');
    const keyPem = readFileSync(s.tlsKeyFile, 'utf8');
    const extraClientCa = s.tlsClientCaFile ? readFileSync(s.tlsClientCaFile, 'utf8') : undefined;
    let clientCaPem: string | undefined = extraClientCa;
    if (s.agentAuth === 'mtls') {
      if (!ca) throw new Error("AMPGATE_AGENT_AUTH=mtls needs ampgate's CA: run `ampgate ca init` or set AMPGATE_CA_CERT and AMPGATE_CA_KEY");
      clientCaPem = ca.certPem + (extraClientCa ?? '');
    }
    const managed = managedTrustFile(s.dataDir);
    const trustFile = s.tlsServerCaFile ?? (existsSync(managed) ? managed : undefined);
    const trustPem = trustFile ? readFileSync(trustFile, 'utf8') : deriveTrust(certPem, ca);
    const tls = new ServerTls(certPem, keyPem, trustPem, clientCaPem);
    tls.#checkTrust(logger, trustFile !== undefined);
    return tls;
  }

  /** TLS options for the agent listener. Client certificates are verified by Node, then mapped to credentials. */
  serverOptions(): TlsOptions {
    return {
      cert: this.#certPem,
      key: this.#keyPem,
      minVersion: 'TLSv1.2',
      // rejectUnauthorized false: a bad or revoked client certificate is answered with HTTP 401
      // (spec: authentication failures MUST be 401), and token bootstrap works without one.
      ...(this.clientCaPem ? { ca: this.clientCaPem, requestCert: true, rejectUnauthorized: false } : {}),
    };
  }

  attach(server: SwitchableTlsServer): void {
    this.#server = server;
  }

  /** PEM bundle agents should trust for this listener, offered in every TLS offer. */
  get trustBundlePem(): string | undefined {
    return this.#trustPem;
  }

  get certPem(): string {
    return this.#certPem;
  }

  get certFingerprint(): string {
    return certFingerprint(parseCertificates(this.#certPem)[0]!.rawData);
  }

  /** Switches the listener to a new certificate; existing connections keep theirs, new ones get it. */
  switchTo(certPem: string, keyPem: string, trustPem: string | undefined): void {
    if (!this.#server) throw new Error('the TLS listener is not running');
    this.#server.setSecureContext({ ...this.serverOptions(), cert: certPem, key: keyPem });
    this.#certPem = certPem;
    this.#keyPem = keyPem;
    this.#trustPem = trustPem;
  }

  #checkTrust(logger: Logger, explicit: boolean): void {
    if (!this.#trustPem) {
      logger.warn(
        'no CA bundle for agents to verify the OpAMP listener with: connection-settings offers over TLS are disabled until AMPGATE_TLS_SERVER_CA is set',
      );
      return;
    }
    if (!chainsTo(this.#certPem, this.#trustPem)) {
      logger.warn(
        { explicit },
        'the OpAMP server certificate does not chain to the CA bundle offered to agents: agents that take an offer would fail to connect and revert',
      );
    }
  }
}

/** The bundle agents need when none is configured: a self-signed server cert itself, or ampgate's CA if it issued it. */
export function deriveTrust(certPem: string, ca: CertificateAuthority | undefined): string | undefined {
  const chain = splitPem(certPem);
  const leaf = chain[0]!;
  if (leaf.checkIssued(leaf) && leaf.verify(leaf.publicKey)) return `${leaf.toString().trim()}\n`;
  if (ca && issuedBy(leaf, new X509Certificate(ca.certPem))) return ca.certPem;
  const root = chain.slice(1).find((c) => c.checkIssued(c) && c.verify(c.publicKey));
  return root ? `${root.toString().trim()}\n` : undefined;
}

/**
 * True when the server certificate (with the intermediates in its file) chains to a certificate
 * in `bundlePem`. Synchronous (Node's OpenSSL X509Certificate) so plans can call it.
 */
export function chainsTo(certPem: string, bundlePem: string | undefined): boolean {
  if (!bundlePem) return false;
  let anchors: X509Certificate[];
  const chain = splitPem(certPem);
  try {
    anchors = splitPem(bundlePem);
  } catch {
    return false;
  }
  let current = chain[0]!;
  for (let depth = 0; depth < 5; depth++) {
    if (anchors.some((a) => a.raw.equals(current.raw) || issuedBy(current, a))) return true;
    const next = chain.find((c) => c !== current && issuedBy(current, c));
    if (!next) return false;
    current = next;
  }
  return false;
}

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

function splitPem(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error('no PEM certificate found');
  return blocks.map((b) => new X509Certificate(b));
}
