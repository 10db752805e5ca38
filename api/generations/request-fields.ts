import {
  OutboundAddressError,
  checkOutboundUrl,
  type OutboundAddressPolicy,
  type OutboundAddressRefusal,
} from '../../services/outbound/outbound-address-policy';
import type { FieldProblem } from '../problem';

/** `negativePrompt` / `images[1]` (domain, camelCase) → `body.negative_prompt` / `body.images.1` (the wire). */
export function bodyFieldOf(domainField: string): string {
  const snake = domainField.replace(/\[(\d+)\]/g, '.$1').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return `body.${snake}`;
}

/**
 * URLs we will call (callbacks) or hand to the upstream (reference images), checked at the door by the outbound
 * address policy: each host is resolved, and one that is or resolves to a loopback, private, link-local or
 * metadata address, or does not resolve, is a problem naming its field. Nothing has been charged or started
 * yet. The callback sender checks its URL again when it sends.
 */
export async function outboundUrlProblems(
  urls: Record<string, string | undefined>,
  policy: OutboundAddressPolicy,
): Promise<FieldProblem[]> {
  const checks = Object.entries(urls).map(async ([field, value]): Promise<FieldProblem | null> => {
    if (value === undefined) return null;
    try {
      await checkOutboundUrl(value, policy, field);
      return null;
    } catch (error) {
      if (!(error instanceof OutboundAddressError)) throw error;
      return { field, reason: reasonOf(error.reason, error.resolved) };
    }
  });
  return (await Promise.all(checks)).filter((problem): problem is FieldProblem => problem !== null);
}

/** What the caller is told: the rule the URL broke, never what our DNS answered. */
function reasonOf(refusal: OutboundAddressRefusal, resolved: boolean): string {
  switch (refusal) {
    case 'non-public-address':
    case 'local-host-name':
      return resolved
        ? 'its host resolves to a loopback, private or link-local address'
        : 'must not point at a loopback, private or link-local address';
    case 'unresolvable':
      return 'its host does not resolve to an address';
    case 'credentials':
      return 'must not carry a user name or password';
    case 'scheme':
    case 'invalid-url':
      return 'must be an absolute http(s) URL';
  }
}

/** RFC 7240 `Prefer: wait=N`, capped: how long the caller is willing to hold the request open. */
export function preferredWaitSeconds(header: string, max: number): number | null {
  const match = /(?:^|[,;\s])wait\s*=\s*(\d+)/i.exec(header);
  if (!match) return null;
  return Math.min(Number(match[1]), max);
}
