import { OssError } from './errors';

export interface ByteRange {
  readonly start: number;
  readonly end: number; // inclusive
}

/**
 * A single `Range: bytes=a-b` (also `a-` and `-n`). Like OSS, a malformed or multi-range header is ignored
 * (the whole object is returned) and only a range starting past the end is an error (416 InvalidRange).
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange | null {
  if (header === undefined) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  const first = m[1] === '' ? null : Number(m[1]);
  const last = m[2] === '' ? null : Number(m[2]);

  if (first === null) {
    const suffix = last ?? 0;
    if (suffix === 0 || size === 0) return null;
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  if (last !== null && last < first) return null;
  if (first >= size) {
    throw new OssError(416, 'InvalidRange', 'The requested range cannot be satisfied.', {
      ActualObjectSize: String(size),
    });
  }
  return { start: first, end: Math.min(last ?? size - 1, size - 1) };
}
