/*
 * Validation of admin request bodies. Every refusal names the offending field, so a test or an operator with
 * a typo sees what to fix (HTTP 400 `{ error, field }`).
 */

export class AdminInputError extends Error {
  constructor(
    message: string,
    readonly field: string | null,
  ) {
    super(message);
  }

  toJSON(): { error: string; field: string | null } {
    return { error: this.message, field: this.field };
  }
}

export type Json = Record<string, unknown>;

export function objectBody(value: unknown): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new AdminInputError('body must be a JSON object', null);
  return value as Json;
}

export function rejectUnknownKeys(body: Json, allowed: readonly string[], prefix = ''): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key))
      throw new AdminInputError(`unknown field (allowed: ${allowed.join(', ')})`, `${prefix}${key}`);
  }
}

export function optionalInt(
  body: Json,
  field: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
  prefix = '',
): number | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new AdminInputError(
      `must be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}`,
      `${prefix}${field}`,
    );
  }
  return v;
}

export function optionalString(body: Json, field: string): string | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new AdminInputError('must be a non-empty string', field);
  return v;
}

export function optionalOneOf<T extends string>(
  body: Json,
  field: string,
  values: readonly T[],
): T | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v))
    throw new AdminInputError(`must be one of ${values.join(', ')}`, field);
  return v as T;
}

/** Session ids as the proxy would see them after splitting the bearer value. */
export function sessionIdField(body: Json, field: string, required: boolean): string | undefined {
  const v = body[field];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v.trim() === '' || /[,@\s]/.test(v)) {
    throw new AdminInputError('must be a non-empty string without commas, @ or whitespace', field);
  }
  return v;
}
