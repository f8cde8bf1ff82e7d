/** @module True for a connection URL the PostgreSQL store opens (AMPGATE_DB=postgres://...); kept apart so a SQLite start never loads `pg`. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}
