/**
 * @module SQLite access for agent commands (Restart) requested by change requests.
 */
import type { Db } from './db.js';
import type { CommandRow, CommandsStore } from './ports/commands.js';

export class CommandsRepo implements CommandsStore {
  readonly #insert;
  readonly #open;
  readonly #byChange;
  readonly #update;
  readonly #openFor;

  constructor(db: Db) {
    this.#openFor = db.prepare("SELECT * FROM agent_commands WHERE uid IN (SELECT value FROM json_each(?)) AND status IN ('pending','sent') ORDER BY id");
    this.#insert = db.prepare(
      "INSERT OR IGNORE INTO agent_commands (uid, change_id, kind, status, created_at, updated_at) VALUES (?, ?, 'restart', 'pending', ?, ?)",
    );
    this.#open = db.prepare("SELECT * FROM agent_commands WHERE status IN ('pending','sent') ORDER BY id");
    this.#byChange = db.prepare('SELECT * FROM agent_commands WHERE change_id = ? ORDER BY uid');
    this.#update = db.prepare('UPDATE agent_commands SET status = ?, seq_at_send = ?, sent_at = ?, detail = ?, updated_at = ? WHERE id = ?');
  }

  /** Creates pending commands for a change (idempotent per change and agent). */
  insertMany(changeId: string, uids: readonly string[], now: number): void {
    for (const uid of uids) this.#insert.run(uid, changeId, now, now);
  }

  open(): CommandRow[] {
    return this.#open.all() as CommandRow[];
  }

  openFor(uids: readonly string[]): CommandRow[] {
    return this.#openFor.all(JSON.stringify(uids)) as CommandRow[];
  }

  byChange(changeId: string): CommandRow[] {
    return this.#byChange.all(changeId) as CommandRow[];
  }

  update(c: CommandRow): void {
    this.#update.run(c.status, c.seq_at_send, c.sent_at, c.detail, c.updated_at, c.id);
  }
}
