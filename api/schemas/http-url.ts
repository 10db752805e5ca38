import { z } from 'zod';

/** VARCHAR(500) in the records and executions. */
export const MAX_URL_LENGTH = 500;

/** An absolute http(s) URL that fits the columns it is stored in. Whether its host is public is checked apart. */
export function httpUrl(description: string) {
  return z
    .string()
    .max(MAX_URL_LENGTH)
    .refine((value) => {
      try {
        const url = new URL(value);
        return url.protocol === 'http:' || url.protocol === 'https:';
      } catch {
        return false;
      }
    }, 'must be an absolute http(s) URL')
    .meta({ description, format: 'uri' });
}
