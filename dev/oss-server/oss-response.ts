import type { IncomingHttpHeaders } from 'node:http';
import type { QueryString } from './query-string';
import type { MultipartUploads } from './multipart-uploads';
import type { ObjectStore } from './object-store';

/** What an operation answers; the server adds the common headers (request id, date) and writes it. */
export interface OssResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

/** An authenticated request addressed to a bucket, with its body already read. */
export interface OperationRequest {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly bucket: string;
  readonly key: string;
  readonly query: QueryString;
  readonly body: Buffer;
  readonly nowMs: number;
}

export interface OperationServices {
  readonly store: ObjectStore;
  readonly uploads: MultipartUploads;
}

export type Operation = (request: OperationRequest, services: OperationServices) => Promise<OssResponse>;

export function xmlResponse(status: number, xml: string, headers: Record<string, string> = {}): OssResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/xml', ...headers },
    body: Buffer.from(xml, 'utf8'),
  };
}

export function emptyResponse(status: number, headers: Record<string, string> = {}): OssResponse {
  return { status, headers: { 'Content-Length': '0', ...headers } };
}
