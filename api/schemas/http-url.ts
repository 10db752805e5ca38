import { z } from 'zod';

/** VARCHAR(500) in the records and executions. */
export const MAX_URL_LENGTH = 500;

/** The scheme, in either case (URL schemes are case-insensitive), as a pattern every regex dialect reads. */
const HTTP_SCHEME = /^[Hh][Tt][Tt][Pp][Ss]?:\/\//;

/**
 * An absolute http(s) URL that fits the columns it is stored in. Whether its host is public is checked apart
 * (a rule no schema can state: the description says it).
 */
export function httpUrl(description: string) {
  return z
    .string()
    .max(MAX_URL_LENGTH)
    .regex(HTTP_SCHEME, { error: 'must be an absolute http(s) URL', abort: true })
    .refine((value) => {
      try {
        const url = new URL(value);
        return url.protocol === 'http:' || url.protocol === 'https:';
      } catch {
        return false;
      }
    }, 'must be an absolute http(s) URL')
    .meta({
      description:
        `${description}; its host must not be loopback, private or link-local (422) unless the deployment ` +
        'allows private addresses',
      format: 'uri',
    });
}
