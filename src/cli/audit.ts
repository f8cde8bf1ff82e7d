/**
 * @module `ampgate audit verify` and `ampgate audit export`. With --db they read a SQLite file
 * directly (read-only), so a copied database can be checked offline without a server; otherwise
 * they use the REST API (admin token). `verify --file` checks an exported JSONL file.
 */
import type { Command } from 'commander';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { toJsonl, verifyEntries, type AuditEntry, type AuditLog } from '../changes/audit.js';
import { anchorFiles, AuditAnchor, checkAnchor, type AnchoredVerifyResult } from '../changes/audit-anchor.js';
import { ApiError } from '../api/client.js';
import { jsonSafe } from '../shared/safe-text.js';
import type { CliContext } from './context.js';

export function registerAuditCommands(program: Command, ctx: CliContext): void {
  const audit = program.command('audit').description('the hash-chained audit log of every change decision and execution');
  const verify = audit.command('verify');
  verify
    .description('check the hash chain; exits 1 and names the first broken row if it was tampered with')
    .option('--db <file>', 'read this SQLite file (offline; e.g. a copied database) or postgres:// URL directly')
    .option('--file <jsonl>', 'verify an exported JSONL file instead')
    .option(
      '--anchor <file>',
      'the audit checkpoint to check the end of the log against (default with --db: audit-anchor.json next to the SQLite file, or in AMPGATE_DATA_DIR)',
    )
    .option('--anchor-key <file>', 'its HMAC key (default: audit-anchor.key next to the checkpoint)')
    .action(async (o: { db?: string; file?: string; anchor?: string; anchorKey?: string }) => {
      const result = await localErrors(verify, async () =>
        o.file
          ? await verifyFile(o.file, o)
          : o.db
            ? await withDb(o.db, (log) => verifyDb(log, o.db!, o))
            : await ctx.client().get<AnchoredVerifyResult>('/api/audit/verify'),
      );
      ctx.out(ctx.json() ? JSON.stringify(result, null, 2) : describe(result));
      if (!result.ok) process.exitCode = 1;
    });
  const exp = audit.command('export');
  exp
    .description('write the audit log as JSON lines (one row per line, with prevHash and hash)')
    .option('--db <file>', 'read this SQLite file directly (offline)')
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--after <seq>', 'only rows after this seq (a partial export still verifies from its first row)', '0')
    .action(async (o: { db?: string; out?: string; after: string }) => {
      const after = Number(o.after);
      const out: Writable = o.out ? createWriteStream(o.out) : process.stdout;
      const lines = o.db ? dbLines(o.db, after) : apiLines(ctx, after);
      await localErrors(exp, () => pipeline(Readable.from(lines), out, { end: o.out !== undefined }));
    });
}

/** Local problems (missing file, not an ampgate database) become a one-line error, exit code 2. */
async function localErrors<T>(cmd: Command, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    return cmd.error(`ampgate: ${(err as Error).message}`, { exitCode: 2 });
  }
}

function describe(r: AnchoredVerifyResult): string {
  if (!r.ok) return `audit log BROKEN at seq ${r.brokenAt}: ${r.reason} (${r.count} rows before it verified)`;
  const head = r.head ? `; head seq ${r.head.seq} hash ${r.head.hash}` : '';
  const anchor = r.anchor ? `\ncheckpoint ${r.anchor.file} (seq ${r.anchor.seq}, ${r.anchor.at}) matches: nothing was cut off before it` : '';
  return `audit log OK: ${r.count} rows verified${head}${anchor}${r.note ? `\n${r.note}` : ''}`;
}

type AnchorOptions = { anchor?: string; anchorKey?: string };

function verifyDb(log: AuditLog, file: string, o: AnchorOptions): AnchoredVerifyResult {
  const anchor = new AuditAnchor(anchorFiles(anchorDir(file), { file: o.anchor, keyFile: o.anchorKey }));
  return checkAnchor(log.verify(), anchor.read(), anchor.files.file, (seq) => log.hashAt(seq));
}

async function openAuditDb(file: string): Promise<{ log: AuditLog; close(): void }> {
  // The store loads only for offline (--db) use, so other commands start without it.
  const { AuditLog } = await import('../changes/audit.js');
  if (isPgUrl(file)) {
    const { openPgStore } = await import('../store/pg/pg-store.js');
    const store = await openPgStore(file);
    return { log: new AuditLog(store.audit), close: () => store.close() };
  }
  const { openSqliteAuditLog } = await import('../store/sqlite-store.js');
  const store = openSqliteAuditLog(file);
  return { log: new AuditLog(store.audit), close: () => store.close() };
}

function isPgUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** Where the audit checkpoint lives by default: beside a SQLite file; AMPGATE_DATA_DIR (or ./data) with PostgreSQL. */
function anchorDir(db: string): string {
  return isPgUrl(db) ? (process.env.AMPGATE_DATA_DIR ?? './data') : dirname(db);
}

async function withDb<T>(file: string, fn: (log: AuditLog) => T): Promise<T> {
  const { log, close } = await openAuditDb(file);
  try {
    return fn(log);
  } finally {
    close();
  }
}

async function* dbLines(file: string, after: number): AsyncGenerator<string> {
  const { log, close } = await openAuditDb(file);
  try {
    for (const line of log.exportJsonl(after)) yield `${jsonSafe(line)}\n`;
  } finally {
    close();
  }
}

async function* apiLines(ctx: CliContext, after: number): AsyncGenerator<string> {
  for (;;) {
    const page = await ctx.client().get<{ entries: AuditEntry[]; next: number | null }>(`/api/audit?after=${after}&limit=1000`);
    for (const e of page.entries) yield `${jsonSafe(toJsonl(e))}\n`;
    if (page.next === null) return;
    after = page.next;
  }
}

async function verifyFile(file: string, o: AnchorOptions): Promise<AnchoredVerifyResult> {
  if (!existsSync(file)) throw new Error(`no such file: ${file}`);
  const entries: AuditEntry[] = [];
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    n++;
    if (line.trim() === '') continue;
    try {
      entries.push(JSON.parse(line) as AuditEntry);
    } catch {
      return { ok: false, count: entries.length, brokenAt: entries.length > 0 ? entries.at(-1)!.seq + 1 : 1, reason: `line ${n} is not valid JSON` };
    }
  }
  const result = verifyEntries(entries, { fromGenesis: entries[0]?.seq === 1 });
  if (!o.anchor) return result;
  const anchor = new AuditAnchor(anchorFiles(dirname(file), { file: o.anchor, keyFile: o.anchorKey }));
  const bySeq = new Map(entries.map((e) => [e.seq, e.hash]));
  return checkAnchor(result, anchor.read(), anchor.files.file, (seq) => bySeq.get(seq));
}
