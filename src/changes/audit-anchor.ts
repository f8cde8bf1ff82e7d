/**
 * @module Checkpoints of the audit chain's head, kept outside the database. The hash chain shows
 * an edited, inserted or removed row, but not rows cut off at the end (the remaining chain is
 * intact). The running server therefore writes the head (seq, hash, time) to a checkpoint file,
 * authenticated with an HMAC key kept beside it or elsewhere (AMPGATE_AUDIT_ANCHOR_FILE,
 * AMPGATE_AUDIT_ANCHOR_KEY_FILE), every few seconds and at shutdown, and logs each checkpoint.
 * Verification then also requires the checkpointed row to exist with the checkpointed hash: a log
 * that ends before it, or differs at it, was truncated or rewritten. Put the checkpoint where the
 * database's writers cannot change it, and ship the log lines off the host, to detect a tamperer
 * with access to both.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from '../shared/log.js';
import { writePublicFile, writeSecretFile } from '../shared/secure-files.js';
import type { VerifyResult } from './audit.js';

export interface Checkpoint {
  readonly seq: number;
  readonly hash: string;
  readonly at: string;
}

export interface AnchorFiles {
  readonly file: string;
  readonly keyFile: string;
}

/** Default: `audit-anchor.json` in the data folder, its key `audit-anchor.key` next to the checkpoint. */
export function anchorFiles(dataDir: string, overrides: { file?: string; keyFile?: string } = {}): AnchorFiles {
  const file = overrides.file ?? join(dataDir, 'audit-anchor.json');
  return { file, keyFile: overrides.keyFile ?? join(dirname(file), 'audit-anchor.key') };
}

export type AnchorRead = { readonly checkpoint: Checkpoint } | { readonly invalid: string } | undefined;

export class AuditAnchor {
  readonly #key: Buffer | undefined;

  /** With `createKey` (the server) a missing key file is generated (0600); readers never create one. */
  constructor(
    readonly files: AnchorFiles,
    opts: { createKey?: boolean } = {},
  ) {
    if (existsSync(files.keyFile)) this.#key = Buffer.from(readFileSync(files.keyFile, 'utf8').trim(), 'hex');
    else if (opts.createKey) {
      const key = randomBytes(32);
      writeSecretFile(files.keyFile, key.toString('hex'));
      this.#key = key;
    }
  }

  read(): AnchorRead {
    if (!existsSync(this.files.file)) return undefined;
    let doc: { seq?: unknown; hash?: unknown; at?: unknown; mac?: unknown };
    try {
      doc = JSON.parse(readFileSync(this.files.file, 'utf8')) as typeof doc;
    } catch {
      return { invalid: 'it is not valid JSON' };
    }
    if (typeof doc.seq !== 'number' || typeof doc.hash !== 'string' || typeof doc.at !== 'string' || typeof doc.mac !== 'string')
      return { invalid: 'fields are missing' };
    const cp: Checkpoint = { seq: doc.seq, hash: doc.hash, at: doc.at };
    if (!this.#key) return { invalid: `its key ${this.files.keyFile} is missing, so it cannot be authenticated` };
    const expected = Buffer.from(this.#mac(cp), 'hex');
    const given = Buffer.from(doc.mac, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { invalid: 'its HMAC does not match: the checkpoint was altered' };
    return { checkpoint: cp };
  }

  write(cp: Checkpoint): void {
    if (!this.#key) throw new Error(`audit checkpoint key ${this.files.keyFile} is missing`);
    writePublicFile(this.files.file, `${JSON.stringify({ ...cp, mac: this.#mac(cp) })}\n`);
  }

  #mac(cp: Checkpoint): string {
    return createHmac('sha256', this.#key!).update(`ampgate-audit-checkpoint:${cp.seq}:${cp.hash}:${cp.at}`).digest('hex');
  }
}

export type AnchoredVerifyResult = VerifyResult & { readonly anchor?: { readonly file: string; readonly seq: number; readonly at: string } | null };

/**
 * Adds the checkpoint to a chain verification: the checkpointed row must exist with the
 * checkpointed hash. Without a checkpoint file the result says so (cut-off rows are then
 * undetectable).
 */
export function checkAnchor(result: VerifyResult, read: AnchorRead, file: string, hashAt: (seq: number) => string | undefined): AnchoredVerifyResult {
  if (!result.ok) return result;
  const headSeq = result.head?.seq ?? 0;
  if (read === undefined) {
    const note = `no audit checkpoint at ${file}: rows cut off the end of the log cannot be detected`;
    return { ...result, anchor: null, note: result.note ? `${result.note}; ${note}` : note };
  }
  if ('invalid' in read) return { ok: false, count: result.count, brokenAt: headSeq + 1, reason: `the audit checkpoint ${file} is not valid: ${read.invalid}` };
  const cp = read.checkpoint;
  if (cp.seq > headSeq) {
    return {
      ok: false,
      count: result.count,
      brokenAt: headSeq + 1,
      reason: `the log ends at seq ${headSeq}, but the checkpoint of ${cp.at} recorded seq ${cp.seq}: rows were cut off the end`,
    };
  }
  if (hashAt(cp.seq) !== cp.hash)
    return { ok: false, count: result.count, brokenAt: cp.seq, reason: `seq ${cp.seq} does not match the checkpoint of ${cp.at}: the log was rewritten` };
  return { ...result, anchor: { file, seq: cp.seq, at: cp.at } };
}

export interface CheckpointSource {
  head(): { seq: number; hash: string } | undefined;
  hashAt(seq: number): string | undefined;
}

/** The running server's checkpoint writer: every `intervalMs` when the head moved, and at stop(). */
export class AuditCheckpointer {
  #last: Checkpoint | undefined;
  #timer: NodeJS.Timeout | undefined;
  #alarmed = false;

  constructor(
    private readonly audit: CheckpointSource,
    readonly anchor: AuditAnchor,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly intervalMs = 5_000,
  ) {}

  start(): void {
    const read = this.anchor.read();
    if (read && 'invalid' in read) this.#alarm(`the audit checkpoint ${this.anchor.files.file} is not valid: ${read.invalid}`);
    else if (read) this.#last = read.checkpoint;
    this.checkpoint();
    this.#timer = setInterval(() => this.checkpoint(), this.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.checkpoint();
  }

  /** Writes a checkpoint when the head moved past the last one; never over evidence of tampering. */
  checkpoint(): void {
    try {
      const head = this.audit.head();
      if (!head) return;
      const last = this.#last;
      if (last && (head.seq < last.seq || this.audit.hashAt(last.seq) !== last.hash)) {
        this.#alarm(`the audit log no longer contains the checkpoint of ${last.at} (seq ${last.seq}): it was truncated or rewritten; the checkpoint is kept`);
        return;
      }
      if (this.#alarmed || (last && head.seq === last.seq)) return;
      const cp: Checkpoint = { seq: head.seq, hash: head.hash, at: new Date(this.now()).toISOString() };
      this.anchor.write(cp);
      this.#last = cp;
      this.logger.info({ auditCheckpoint: cp }, 'audit checkpoint');
    } catch (err) {
      this.logger.error({ err, file: this.anchor.files.file }, 'cannot write the audit checkpoint');
    }
  }

  #alarm(message: string): void {
    if (!this.#alarmed) this.logger.error({ file: this.anchor.files.file }, message);
    this.#alarmed = true;
  }
}
