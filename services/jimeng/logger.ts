/**
 * The slice of a pino logger the client uses, so callers pass their pino child and tests pass a recorder.
 * Log objects never carry a session id: only `sessionHint`.
 */
export interface JimengLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export const silentLogger: JimengLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
};
