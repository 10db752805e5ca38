import { z } from 'zod';
import { characterCount } from '../../domain/character-count';

/**
 * What String.prototype.trim() removes (ECMAScript's WhiteSpace and LineTerminator), spelled out: `\s` means
 * something slightly different in each regex dialect that reads the document's patterns (Python's counts
 * \x1c-\x1f, not U+FEFF), and a blank field must be blank for all of them.
 */
const TRIMMED = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

/** At least one character that trim() keeps. */
export const NOT_BLANK = new RegExp(`[^${TRIMMED}]`);

/**
 * A text field of at most `max` characters. `required` text must not be blank, and is trimmed unless `trim`
 * says otherwise; the checks apply to the text as sent, so the document's maxLength and pattern say exactly
 * what is accepted.
 */
export function textField(options: {
  max: number;
  required: boolean;
  /** For text that may be blank but not empty (a filter). */
  min?: number;
  trim?: boolean;
  description?: string;
}) {
  const { max, required } = options;
  const within = z
    .string()
    .min(options.min ?? 0)
    .refine((text) => characterCount(text) <= max, `must be at most ${max} characters`);
  const filled = required ? within.regex(NOT_BLANK, 'must not be blank') : within;
  const schema = (options.trim ?? required) ? filled.trim() : filled;
  return schema.meta({
    maxLength: max,
    ...(options.description !== undefined ? { description: options.description } : {}),
  });
}
