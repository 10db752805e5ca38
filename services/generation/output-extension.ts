import type { GenerationType } from '../../domain/generation/generation-types';

const KNOWN: Record<GenerationType, readonly string[]> = {
  image: ['png', 'jpg', 'jpeg', 'webp', 'gif'],
  video: ['mp4', 'mov', 'webm'],
};
const FALLBACK: Record<GenerationType, string> = { image: 'png', video: 'mp4' };

/**
 * The extension of an output's object key, from the upstream URL's path (CDN links end in `.webp`, `.jpeg`,
 * `.mp4`, often followed by `~tplv…` or a query); the type's usual format when the path names none we know.
 */
export function outputExtensionOf(url: string, type: GenerationType): string {
  let path: string;
  try {
    path = new URL(url).pathname.toLowerCase();
  } catch {
    return FALLBACK[type];
  }
  const match = /\.([a-z0-9]{2,5})(?:~[^/]*)?$/.exec(path);
  const ext = match?.[1];
  return ext && KNOWN[type].includes(ext) ? ext : FALLBACK[type];
}
