/**
 * @module Port: agent commands (Restart) requested by change requests.
 */

export type CommandStatus = 'pending' | 'sent' | 'confirmed' | 'failed' | 'expired';

export interface CommandRow {
  readonly id: number;
  readonly uid: string;
  readonly change_id: string;
  readonly kind: 'restart';
  readonly status: CommandStatus;
  /** sequence_num of the agent's last message before the command was sent (decimal text). */
  readonly seq_at_send: string | null;
  readonly sent_at: number | null;
  readonly detail: string;
  readonly created_at: number;
  readonly updated_at: number;
}

export interface CommandsStore {
  /** Creates pending commands for a change (idempotent per change and agent). */
  insertMany(changeId: string, uids: readonly string[], now: number): void;
  open(): CommandRow[];
  /** The open (pending or sent) commands of these agents. */
  openFor(uids: readonly string[]): CommandRow[];
  byChange(changeId: string): CommandRow[];
  update(c: CommandRow): void;
}
