/**
 * @module Agent credentials (enrollment and per-agent bearer tokens, registered client
 * certificates) and the token/none authenticators of the OpAMP listener. Also the identity-binding
 * fact the OpAMP session relies on: which instance uids are *established*, i.e. have a per-agent
 * credential of their own that the agent has already used. Such a uid can only be spoken for by a
 * connection presenting that credential (SECURITY.md, "Identity binding").
 */
import { randomUUID } from 'node:crypto';
import type { AgentAuth } from '../fleet/link.js';
import type { AgentAuthenticator, PresentedCredentials } from '../fleet/agent-auth.js';
import { bearerToken } from '../shared/bearer.js';
import type { AgentCredentialsStore, CredentialKind, CredentialRow } from '../store/ports/agent-credentials.js';
import { fingerprintOfHash, hashSecret, newToken } from '../shared/secrets.js';

export type { CredentialKind, CredentialRow };

/**
 * How long a verified credential is answered from memory before the store is asked again. Every
 * revocation made through this class (REST, CLI over REST, rotation) drops the cache at once, so
 * it takes effect on the very next request; this bound only limits how long a change made behind
 * this process's back (another process writing the same database) can go unseen.
 */
const VERIFIED_TTL_MS = 5_000;
/** Entries kept at most; beyond it the cache starts over (a bound, not an eviction policy). */
const VERIFIED_MAX = 50_000;

export class AgentCredentials {
  readonly #repo: AgentCredentialsStore;
  /**
   * uids that may have an established credential (a superset: revocations and expiry are checked
   * against the database on a hit, so a message for any other uid costs no query).
   */
  readonly #established: Set<string>;
  /**
   * Credentials found valid, by stored hash, with the time they were read: an agent's every poll
   * presents the same token, and a SQLite lookup per request was a tenth of the HTTP transport's
   * cost. Validity (revocation, expiry) is checked again on every hit; revoke and rebind clear it.
   */
  readonly #verified = new Map<string, { readonly row: CredentialRow; readonly at: number }>();

  constructor(
    repo: AgentCredentialsStore,
    private readonly now: () => number = Date.now,
  ) {
    this.#repo = repo;
    this.#established = new Set(this.#repo.usedBoundUids());
  }

  /** Every credential of a kind, revoked ones included (for listing enrollment tokens). */
  ofKind(kind: CredentialKind): CredentialRow[] {
    return this.#repo.ofKind(kind);
  }

  /**
   * Valid credential by stored hash. Client certificates are stored under the SHA-256 of their DER
   * encoding (not a secret, but the same unique lookup column), so mTLS finds them here.
   */
  lookupByHash(hash: string): CredentialRow | undefined {
    const now = this.now();
    const hit = this.#verified.get(hash);
    if (hit !== undefined && now - hit.at < VERIFIED_TTL_MS) return this.isValid(hit.row) ? hit.row : undefined;
    const row = this.#repo.byHash(hash);
    if (!row || !this.isValid(row)) {
      this.#verified.delete(hash);
      return undefined;
    }
    if (this.#verified.size >= VERIFIED_MAX) this.#verified.clear();
    this.#verified.set(hash, { row, at: now });
    return row;
  }

  isValid(row: CredentialRow): boolean {
    return row.revoked_at === null && (row.expires_at === null || row.expires_at > this.now());
  }

  get(id: string): CredentialRow | undefined {
    return this.#repo.byId(id);
  }

  /** Every credential bound to an agent, valid or not, oldest first. */
  forAgent(uid: string): CredentialRow[] {
    return this.#repo.forAgent(uid);
  }

  /**
   * True when `uid` has a valid per-agent credential (token or client certificate) that a
   * connection has already authenticated with. A credential that is only registered (a rotation
   * offer or CSR certificate the agent has not used yet) does not count: until the agent proves it
   * holds it, the uid is still recognised by the credential it used before.
   */
  isEstablished(uid: string): boolean {
    if (!this.#established.has(uid)) return false;
    if (this.#repo.forAgent(uid).some((c) => c.kind !== 'enrollment' && c.last_used_at !== null && this.isValid(c))) return true;
    this.#established.delete(uid);
    return false;
  }

  /** Records that a connection authenticated with `row` (written once per credential). */
  noteUsed(row: CredentialRow): void {
    if (row.agent_uid === null || row.kind === 'enrollment') return;
    if (row.last_used_at === null && this.#repo.markUsed(row.id, this.now())) row.last_used_at = this.now();
    this.#established.add(row.agent_uid);
  }

  /** Registers a client certificate by its SHA-256 fingerprint (hex of the DER). */
  addCertificate(agentUid: string, certSha256: string, expiresAt: number): CredentialRow {
    const row: CredentialRow = {
      id: randomUUID(),
      kind: 'client_cert',
      secret_hash: certSha256,
      fingerprint: fingerprintOfHash(certSha256),
      agent_uid: agentUid,
      created_at: this.now(),
      expires_at: expiresAt,
      revoked_at: null,
      last_used_at: null,
    };
    this.#repo.insert(row);
    return row;
  }

  /** Moves per-agent credentials to a new instance uid (after new_instance_uid). */
  rebind(oldUid: string, newUid: string): number {
    const n = this.#repo.rebind(oldUid, newUid);
    this.#verified.clear(); // cached rows carry the old agent_uid
    if (this.#established.delete(oldUid)) this.#established.add(newUid);
    return n;
  }

  /** Valid (not revoked, not expired) credential for a secret, or undefined. */
  lookup(secret: string): CredentialRow | undefined {
    return this.lookupByHash(hashSecret(secret));
  }

  /** Stores a credential for a secret the caller generated (or was given). Returns its row id. */
  add(kind: CredentialKind, secret: string, agentUid?: string, expiresAt?: number): CredentialRow {
    const hash = hashSecret(secret);
    const row: CredentialRow = {
      id: randomUUID(),
      kind,
      secret_hash: hash,
      fingerprint: fingerprintOfHash(hash),
      agent_uid: agentUid ?? null,
      created_at: this.now(),
      expires_at: expiresAt ?? null,
      revoked_at: null,
      last_used_at: null,
    };
    this.#repo.insert(row);
    return row;
  }

  /**
   * Another process sharing the store (a replica) changed these credentials: verified entries are
   * dropped at once (a revocation there holds here on the next request) and uids bound there are
   * known here.
   */
  changedElsewhere(ids: readonly string[] | 'all'): void {
    this.#verified.clear();
    if (ids === 'all') {
      for (const uid of this.#repo.usedBoundUids()) this.#established.add(uid);
      return;
    }
    for (const id of ids) {
      const row = this.#repo.byId(id);
      if (row?.agent_uid && row.kind !== 'enrollment' && row.last_used_at !== null) this.#established.add(row.agent_uid);
    }
  }

  /** Revokes a credential; the next request that presents it is refused (the cache is dropped first). */
  revoke(id: string): boolean {
    this.#verified.clear();
    return this.#repo.revoke(id, this.now());
  }

  activeCount(kind: CredentialKind): number {
    return this.#repo.activeCount(kind);
  }

  /**
   * Makes sure an enrollment token exists. With `given` (AMPGATE_ENROLLMENT_TOKEN) that secret is
   * registered if unknown; otherwise, on the very first start only, a token is generated and
   * returned so the caller can print it once. Returns undefined when nothing new was generated.
   * An operator who revoked every enrollment token (`ampgate enrollment revoke`) has retired
   * enrollment on purpose: nothing is generated behind their back.
   */
  ensureEnrollmentToken(given: string | undefined): { secret?: string; row: CredentialRow } | undefined {
    if (given) {
      if (this.#repo.byHash(hashSecret(given))) return undefined;
      return { row: this.add('enrollment', given) };
    }
    if (this.ofKind('enrollment').length > 0) return undefined;
    const token = newToken('ampe');
    return { secret: token, row: this.add('enrollment', token) };
  }
}

/** `Authorization: Bearer` with an enrollment token or a per-agent token; 401 otherwise. */
export class TokenAuthenticator implements AgentAuthenticator {
  readonly mode = 'token' as const;
  constructor(private readonly creds: AgentCredentials) {}

  authenticate(presented: PresentedCredentials): AgentAuth | undefined {
    const token = bearerToken(presented.authorization);
    if (!token) return undefined;
    const row = this.creds.lookup(token);
    if (!row || row.kind === 'client_cert') return undefined;
    this.creds.noteUsed(row);
    return {
      method: 'token',
      credentialId: row.id,
      credentialKind: row.kind,
      boundAgentUid: row.agent_uid ?? undefined,
    };
  }
}

/** Accepts everyone (explicit `none` mode for local trials; logged as a warning at startup). */
export class NoAuthenticator implements AgentAuthenticator {
  readonly mode = 'none' as const;
  authenticate(): AgentAuth {
    return { method: 'none' };
  }
}
