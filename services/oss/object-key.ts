import type { GenerationType } from '../../domain/generation/generation-types';

export interface ObjectKeyParts {
  readonly userId: string;
  readonly jobId: string;
  readonly type: GenerationType;
  /**
   * Epoch ms (or a Date) of the output. Required, not read from a clock here: the key must be fixed before
   * the first attempt and reused by retries, or a retried upload would store a second copy under a new
   * name instead of landing on the first one.
   */
  readonly timestamp: number | Date;
  /** File extension, with or without the dot: png, .jpg, mp4. */
  readonly ext: string;
}

const OUTPUT_TYPES: readonly GenerationType[] = ['image', 'video'];
const MAX_SEGMENT_LENGTH = 200;

/** Seed 003's object path: `users/{userId}/jobs/{jobId}/{type}-{timestamp}.{ext}`. */
export function objectKeyFor(parts: ObjectKeyParts): string {
  const userId = pathSegment('userId', parts.userId);
  const jobId = pathSegment('jobId', parts.jobId);
  if (!OUTPUT_TYPES.includes(parts.type))
    throw new TypeError(`objectKeyFor: type must be image or video, got ${String(parts.type)}`);
  const timestamp = parts.timestamp instanceof Date ? parts.timestamp.getTime() : parts.timestamp;
  if (!Number.isSafeInteger(timestamp) || timestamp < 0)
    throw new TypeError(`objectKeyFor: timestamp must be epoch milliseconds, got ${String(parts.timestamp)}`);
  const ext = normalizeExtension(parts.ext);
  return `users/${userId}/jobs/${jobId}/${parts.type}-${timestamp}.${ext}`;
}

/** `.JPG` → `jpg`; throws for anything that is not a short alphanumeric extension. */
export function normalizeExtension(ext: string): string {
  const normalized = ext.replace(/^\./, '').toLowerCase();
  if (!/^[a-z0-9]{1,10}$/.test(normalized))
    throw new TypeError(`objectKeyFor: invalid extension ${JSON.stringify(ext)}`);
  return normalized;
}

/** Extension of a key built by objectKeyFor (or any key ending in `.ext`), or null. */
export function extensionOfKey(key: string): string | null {
  const m = /\.([A-Za-z0-9]{1,10})$/.exec(key);
  return m?.[1] ? m[1].toLowerCase() : null;
}

/**
 * Ids become path segments, so one that contains '/' or is '..' would write into another user's or job's
 * folder. Emails (seed 003's example user id) and snowflake ids pass.
 */
function pathSegment(name: string, value: string): string {
  if (typeof value !== 'string') throw new TypeError(`objectKeyFor: ${name} must be a string`);
  const hasControlCharacter = [...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  if (
    value === '' ||
    value === '.' ||
    value === '..' ||
    value.length > MAX_SEGMENT_LENGTH ||
    /[/\\]/.test(value) ||
    hasControlCharacter
  ) {
    throw new TypeError(`objectKeyFor: ${name} is not usable in an object path: ${JSON.stringify(value)}`);
  }
  return value;
}
