import type { IncomingHttpHeaders } from 'node:http';
import type { QueryString } from './query-string';

/** What a signature covers, resolved from the HTTP request (bucket and key after addressing). */
export interface SignedRequest {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly bucket: string | null;
  readonly key: string;
  readonly query: QueryString;
}
