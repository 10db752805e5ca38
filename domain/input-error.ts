/**
 * A request the platform refuses on its face, before anything is charged or written: `field` names what to
 * fix. The API turns it into a 422 problem naming the field; activities into a non-retryable failure.
 */
export class InputError extends Error {
  override readonly name: string = 'InputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
