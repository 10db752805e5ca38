/** The formats generation produces; anything else is stored as application/octet-stream. */
const BY_EXTENSION: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
};

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

export function contentTypeForExtension(ext: string | null): string | null {
  return ext === null ? null : (BY_EXTENSION[ext.toLowerCase()] ?? null);
}
