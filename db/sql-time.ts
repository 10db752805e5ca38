/**
 * A Date as a DATETIME(3) literal in UTC with milliseconds. Sequelize writes Date replacements only to the
 * second, which loses the precision of DATETIME(3) columns that identify a claim by its time.
 */
export function sqlTime(date: Date): string {
  return date.toISOString().slice(0, 23).replace('T', ' ');
}
