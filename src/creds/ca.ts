/**
 * @module ampgate's certificate authority: the CA certificate and key on disk (created by
 * `ampgate ca init` next to the database, key file mode 0600, or given by the operator), and
 * issuing agent client certificates and listener server certificates from it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writePublicFile, writeSecretFile } from '../shared/secure-files.js';
import { join } from 'node:path';
import {
  certFingerprint,
  createCaCertificate,
  generateKeyPair,
  importSigningKey,
  isSelfSigned,
  issueCertificate,
  parseCertificates,
  privateKeyPem,
  type CryptoKey,
  type SigningAlgorithm,
  type x509,
  x509lib,
} from './x509.js';

export interface CaFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** Where the CA lives: the operator's files, or `<dir of the database>/ca/ca.crt|ca.key`. */
export function caFiles(settings: { dataDir: string; caCertFile?: string; caKeyFile?: string }): CaFiles {
  const dir = join(settings.dataDir, 'ca');
  return { certFile: settings.caCertFile ?? join(dir, 'ca.crt'), keyFile: settings.caKeyFile ?? join(dir, 'ca.key') };
}

export function caExists(files: CaFiles): boolean {
  return existsSync(files.certFile) && existsSync(files.keyFile);
}

export class CertificateAuthority {
  readonly #key: CryptoKey;
  readonly #algorithm: SigningAlgorithm;

  private constructor(
    readonly cert: x509.X509Certificate,
    readonly certPem: string,
    key: CryptoKey,
    algorithm: SigningAlgorithm,
  ) {
    this.#key = key;
    this.#algorithm = algorithm;
  }

  /** Loads and checks the CA: a CA certificate (basicConstraints cA) whose key is the given key. */
  static async load(files: CaFiles): Promise<CertificateAuthority> {
    const certPem = readFileSync(files.certFile, 'utf8');
    const [cert] = parseCertificates(certPem);
    const bc = cert!.getExtension(x509lib().BasicConstraintsExtension);
    if (!bc?.ca) throw new Error(`${files.certFile} is not a CA certificate (basicConstraints cA is not set)`);
    const { key, algorithm } = await importSigningKey(readFileSync(files.keyFile, 'utf8'));
    const ca = new CertificateAuthority(cert!, `${cert!.toString('pem')}\n`, key, algorithm);
    await ca.#checkKeyMatches(files);
    return ca;
  }

  get fingerprint(): string {
    return certFingerprint(this.cert.rawData);
  }

  /** PEM chain that accompanies a leaf: the CA itself when it is an intermediate, nothing for a root. */
  get chainPem(): string {
    return isSelfSigned(this.cert) ? '' : this.certPem;
  }

  /**
   * A client certificate for one agent: CN and a `urn:uuid:` URI SAN name the instance uid, so
   * the certificate says which agent it belongs to even outside ampgate.
   */
  issueClient(uid: string, publicKey: x509.PublicKey | CryptoKey, days: number): Promise<x509.X509Certificate> {
    return issueCertificate({
      issuer: this.cert,
      signingKey: this.#key,
      signingAlgorithm: this.#algorithm,
      publicKey,
      subject: `CN=${uid}, O=ampgate agents`,
      sans: [{ type: 'url', value: `urn:uuid:${uid}` }],
      usage: 'client',
      notAfter: this.#clamp(days),
    });
  }

  /** A server certificate for the OpAMP listener, valid for the given DNS names and IP addresses. */
  issueServer(hosts: readonly string[], publicKey: CryptoKey, days: number): Promise<x509.X509Certificate> {
    const sans = hosts.map((h) => (isIpAddress(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h }));
    return issueCertificate({
      issuer: this.cert,
      signingKey: this.#key,
      signingAlgorithm: this.#algorithm,
      publicKey,
      subject: `CN=${hosts[0] ?? 'ampgate'}`,
      sans,
      usage: 'server',
      notAfter: this.#clamp(days),
    });
  }

  /** A leaf never outlives its CA (verifiers would reject it at the CA's expiry anyway). */
  #clamp(days: number): Date {
    const wanted = Date.now() + days * 86_400_000;
    return new Date(Math.min(wanted, this.cert.notAfter.getTime()));
  }

  async #checkKeyMatches(files: CaFiles): Promise<void> {
    const probe = await generateKeyPair();
    const leaf = await this.issueClient('00000000-0000-0000-0000-000000000000', probe.publicKey, 1);
    if (!(await leaf.verify({ publicKey: this.cert.publicKey, signatureOnly: true }))) {
      throw new Error(`${files.keyFile} is not the private key of ${files.certFile}`);
    }
  }
}

export interface InitCaOptions {
  readonly commonName?: string;
  readonly years?: number;
  /** Import an operator's CA (PEM files) instead of generating one. */
  readonly importFrom?: CaFiles;
  readonly force?: boolean;
}

/**
 * Creates the CA files (generated ECDSA P-256, or copied from the operator's files after checking
 * them). The key is written with mode 0600 in a 0700 directory; existing files are kept unless
 * `force` (replacing a CA invalidates every client certificate it issued).
 */
export async function initCa(files: CaFiles, opts: InitCaOptions = {}): Promise<{ created: boolean; ca: CertificateAuthority }> {
  if (caExists(files) && !opts.force) return { created: false, ca: await CertificateAuthority.load(files) };
  let certPem: string;
  let keyPem: string;
  if (opts.importFrom) {
    await CertificateAuthority.load(opts.importFrom); // validates before anything is written
    certPem = readFileSync(opts.importFrom.certFile, 'utf8');
    keyPem = readFileSync(opts.importFrom.keyFile, 'utf8');
  } else {
    const keys = await generateKeyPair();
    const notAfter = new Date(Date.now() + (opts.years ?? 10) * 365 * 86_400_000);
    const cert = await createCaCertificate(opts.commonName ?? 'ampgate agent CA', keys, notAfter);
    certPem = `${cert.toString('pem')}\n`;
    keyPem = await privateKeyPem(keys.privateKey);
  }
  writeSecretFile(files.keyFile, keyPem);
  writePublicFile(files.certFile, certPem);
  return { created: true, ca: await CertificateAuthority.load(files) };
}

function isIpAddress(h: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || h.includes(':');
}

export { writePublicFile, writeSecretFile };
