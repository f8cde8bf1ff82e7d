/**
 * @module PostgreSQL: agent commands (Restart) requested by change requests.
 */
import type { SyncPg } from './bridge.js';
import type { CommandRow, CommandsStore } from '../ports/commands.js';

export class PgCommandsRepo implements CommandsStore {
  constructor(private readonly pg: SyncPg) {}

  insertMany(changeId: string, uids: readonly string[], now: number): void {
    if (uids.length === 0) return;
    this.pg.run(
      `INSERT INTO agent_commands (uid, change_id, kind, status, created_at, updated_at)
       SELECT u, $2, 'restart', 'pending', $3, $3 FROM unnest($1::text[]) AS u ORDER BY u
       ON CONFLICT (change_id, uid) DO NOTHING`,
      [uids, changeId, now],
      'command',
      uids,
    );
  }

  open(): CommandRow[] {
    return this.pg.rows<CommandRow>("SELECT * FROM agent_commands WHERE status IN ('pending','sent') ORDER BY id");
  }

  openFor(uids: readonly string[]): CommandRow[] {
    return this.pg.rows<CommandRow>("SELECT * FROM agent_commands WHERE uid = ANY($1::text[]) AND status IN ('pending','sent') ORDER BY id", [uids]);
  }

  byChange(changeId: string): CommandRow[] {
    return this.pg.rows<CommandRow>('SELECT * FROM agent_commands WHERE change_id = $1 ORDER BY uid', [changeId]);
  }

  update(c: CommandRow): void {
    this.pg.defer(
      'UPDATE agent_commands SET status = $1, seq_at_send = $2, sent_at = $3, detail = $4, updated_at = $5 WHERE id = $6',
      [c.status, c.seq_at_send, c.sent_at, c.detail, c.updated_at, c.id],
      'command',
      [c.uid],
    );
  }
}
