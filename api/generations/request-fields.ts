import { isLocalHostName, isPublicAddress } from '../../domain/public-address';
import { isIP } from 'node:net';
import type { FieldProblem } from '../problem';

/** `negativePrompt` / `images[1]` (domain, camelCase) → `body.negative_prompt` / `body.images.1` (the wire). */
export function bodyFieldOf(domainField: string): string {
  const snake = domainField.replace(/\[(\d+)\]/g, '.$1').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return `body.${snake}`;
}

/**
 * URLs we will call (callbacks) or hand to the upstream (reference images) must not name a loopback or private
 * host outright. Names are resolved and checked again when a callback is sent; this refuses the obvious at the
 * door, unless the deployment allows private addresses (development).
 */
export function privateUrlProblems(
  urls: Record<string, string | undefined>,
  allowPrivate: boolean,
): FieldProblem[] {
  if (allowPrivate) return [];
  const problems: FieldProblem[] = [];
  for (const [field, value] of Object.entries(urls)) {
    if (value === undefined) continue;
    const host = new URL(value).hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
    if (isLocalHostName(host) || (isIP(host) !== 0 && !isPublicAddress(host)))
      problems.push({ field, reason: 'must not point at a loopback, private or link-local address' });
  }
  return problems;
}

/** RFC 7240 `Prefer: wait=N`, capped: how long the caller is willing to hold the request open. */
export function preferredWaitSeconds(header: string, max: number): number | null {
  const match = /(?:^|[,;\s])wait\s*=\s*(\d+)/i.exec(header);
  if (!match) return null;
  return Math.min(Number(match[1]), max);
}
