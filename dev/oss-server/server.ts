import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { ADMIN_PREFIX, handleAdmin } from './admin-endpoint';
import { resolveAddress } from './addressing';
import { authenticate } from './authentication';
import { CredentialStore, type Credential } from './credentials';
import { DirectoryObjectStore } from './directory-object-store';
import { OssError, accessDenied, notImplemented } from './errors';
import { FaultQueue, type FaultSpec, type PendingFault } from './faults';
import { headerValue } from './http-headers';
import { MemoryObjectStore } from './memory-object-store';
import { MultipartUploads } from './multipart-uploads';
import type { ObjectStore } from './object-store';
import type { OssResponse } from './oss-response';
import { QueryString } from './query-string';
import { selectOperation } from './operations/operation-table';
import { element, xmlDocument } from './xml';

export interface BucketConfig {
  readonly name: string;
  /** public-read ACL: GET/HEAD of objects without a signature, so plain (CDN-style) URLs work. */
  readonly public?: boolean;
}

export interface OssServerOptions {
  /** 0 picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  readonly buckets: readonly BucketConfig[];
  readonly credentials: readonly Credential[];
  /** Keep objects on disk here instead of in memory. */
  readonly dataDir?: string;
  /** Region V4 signatures must be scoped to; `oss-cn-hangzhou` and `cn-hangzhou` both work. Default cn-hangzhou. */
  readonly region?: string;
  /** Bucket for custom-domain (`cname: true`) requests; default: the only configured bucket. */
  readonly defaultBucket?: string;
  /** Server time in epoch ms (signature expiry and clock-skew checks); injectable so tests need not sleep. */
  readonly clock?: () => number;
  /** Largest request body accepted; default 512 MiB (bodies are held in memory while handled). */
  readonly maxObjectBytes?: number;
  /** Called for unexpected (non-OSS) errors; default writes to stderr. */
  readonly onInternalError?: (error: unknown) => void;
}

export interface OssServerStats {
  readonly requests: number;
  /** Authenticated (or allowed anonymous) requests per OSS operation name, whatever their outcome. */
  readonly byOperation: Readonly<Record<string, number>>;
  /** Error answers per OSS error code. */
  readonly errorsByCode: Readonly<Record<string, number>>;
  readonly faultsInjected: number;
  /** Requests that sent Content-MD5 to an operation that checks it (put, part, complete, delete-multiple). */
  readonly contentMd5Verified: number;
}

export interface OssServer {
  /** http://127.0.0.1:PORT (or the host listened on). */
  readonly url: string;
  /**
   * http://localhost:PORT — what to give ali-oss as `endpoint` (with `cname: true`): a host name rather
   * than an IP, because ali-oss refuses to build signed and object URLs for an IP endpoint.
   */
  readonly endpoint: string;
  readonly port: number;
  readonly stats: OssServerStats;
  objectCount(bucket: string): number;
  injectFault(spec: FaultSpec): void;
  pendingFaults(): PendingFault[];
  /**
   * Requests a `slow` fault is holding right now, with the client's port: a test that must stop the process
   * whose request is in flight finds that process by the port.
   */
  heldRequests(): HeldRequest[];
  clearFaults(): void;
  close(): Promise<void>;
}

export interface HeldRequest {
  readonly method: string;
  readonly key: string;
  /** The client's end of the connection: its local port. */
  readonly clientPort: number;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

export async function startOssServer(options: OssServerOptions): Promise<OssServer> {
  if (options.buckets.length === 0) throw new Error('startOssServer: configure at least one bucket');
  for (const bucket of options.buckets) {
    // The same rule ali-oss applies at construction, so a misconfigured dev server fails here, not later.
    if (!BUCKET_NAME.test(bucket.name)) throw new Error(`startOssServer: invalid bucket name ${bucket.name}`);
  }
  if (options.credentials.length === 0) throw new Error('startOssServer: configure at least one credential');

  const bucketNames = options.buckets.map((b) => b.name);
  const bucketSet = new Set(bucketNames);
  const publicBuckets = new Set(options.buckets.filter((b) => b.public === true).map((b) => b.name));
  const defaultBucket = options.defaultBucket ?? (bucketNames.length === 1 ? (bucketNames[0] ?? null) : null);
  if (defaultBucket !== null && !bucketSet.has(defaultBucket))
    throw new Error(`startOssServer: default bucket ${defaultBucket} is not configured`);

  const store: ObjectStore = options.dataDir
    ? await DirectoryObjectStore.open(options.dataDir, bucketNames)
    : new MemoryObjectStore(bucketNames);
  const uploads = new MultipartUploads();
  const credentials = new CredentialStore(options.credentials);
  const faults = new FaultQueue();
  const held = new Set<HeldRequest>();
  const region = (options.region ?? 'cn-hangzhou').replace(/^oss-/, '');
  const clock = options.clock ?? Date.now;
  const maxObjectBytes = options.maxObjectBytes ?? 512 * 1024 * 1024;
  const onInternalError =
    options.onInternalError ?? ((error: unknown) => console.error('oss-server: internal error', error));

  const counters = {
    requests: 0,
    faultsInjected: 0,
    contentMd5Verified: 0,
    byOperation: {} as Record<string, number>,
    errorsByCode: {} as Record<string, number>,
  };
  const bump = (table: Record<string, number>, name: string): void => {
    table[name] = (table[name] ?? 0) + 1;
  };
  const snapshot = (): OssServerStats => ({
    requests: counters.requests,
    faultsInjected: counters.faultsInjected,
    contentMd5Verified: counters.contentMd5Verified,
    byOperation: { ...counters.byOperation },
    errorsByCode: { ...counters.errorsByCode },
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomBytes(12).toString('hex').toUpperCase();
    const method = (req.method ?? 'GET').toUpperCase();
    let fault: PendingFault | undefined;
    try {
      counters.requests += 1;
      const rawUrl = req.url ?? '/';
      const q = rawUrl.indexOf('?');
      let path: string;
      let query: QueryString;
      try {
        path = decodeURIComponent(q === -1 ? rawUrl : rawUrl.slice(0, q));
        query = new QueryString(q === -1 ? '' : rawUrl.slice(q + 1));
      } catch {
        throw new OssError(400, 'InvalidURI', 'Could not parse the specified URI.');
      }
      const address = resolveAddress(headerValue(req.headers, 'host'), path, bucketSet, defaultBucket);

      fault = faults.take(method, address.key);
      if (fault) {
        counters.faultsInjected += 1;
        if (fault.kind === 'reset' || (fault.kind === 'reset-mid-body' && method !== 'GET')) {
          req.socket.destroy();
          return;
        }
        if (fault.kind === 'error500')
          throw new OssError(500, 'InternalError', 'Injected fault: internal error.');
        if (fault.kind === 'slow') {
          const request = { method, key: address.key, clientPort: req.socket.remotePort ?? 0 };
          held.add(request);
          try {
            await delay(fault.delayMs);
          } finally {
            held.delete(request);
          }
        }
      }

      const body = await readBody(req, maxObjectBytes);
      if (address.bucket === null) throw notImplemented('ListBuckets');
      // Authentication comes first, as on OSS: a tampered request is a signature error whatever it asks for.
      const auth = authenticate(
        { method, headers: req.headers, bucket: address.bucket, key: address.key, query },
        { credentials, nowMs: clock(), region },
      );
      const operation = selectOperation(method, address.key, query);
      if (auth.kind === 'anonymous' && !(operation.publicRead && publicBuckets.has(address.bucket))) {
        throw accessDenied('You have no right to access this object because of bucket acl.');
      }

      bump(counters.byOperation, operation.name);
      if (operation.checksContentMd5 && req.headers['content-md5'] !== undefined)
        counters.contentMd5Verified += 1;
      const response = await operation.run(
        {
          method,
          headers: req.headers,
          bucket: address.bucket,
          key: address.key,
          query,
          body,
          nowMs: clock(),
        },
        { store, uploads },
      );
      if (fault?.kind === 'reset-mid-body') return breakOffMidBody(res, response, requestId);
      send(res, response, requestId);
    } catch (error) {
      if (res.headersSent || req.socket.destroyed) return;
      const ossError =
        error instanceof OssError
          ? error
          : new OssError(500, 'InternalError', 'We encountered an internal error. Please try again.');
      if (!(error instanceof OssError)) onInternalError(error);
      bump(counters.errorsByCode, ossError.code);
      sendError(res, ossError, requestId, method === 'HEAD', hostIdOf(req));
    }
  }

  const server: Server = createServer((req, res) => {
    if ((req.url ?? '').startsWith(ADMIN_PREFIX)) {
      handleAdmin(req, res, faults, snapshot).catch(onInternalError);
      return;
    }
    handle(req, res).catch(onInternalError);
  });
  // Longer than ali-oss's keep-alive agent keeps idle sockets, so the client never reuses a socket the
  // server has just closed (which would surface as a spurious ECONNRESET).
  server.keepAliveTimeout = 65_000;

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;

  return {
    url: `http://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${port}`,
    endpoint: `http://localhost:${port}`,
    port,
    get stats() {
      return snapshot();
    },
    objectCount: (bucket: string) => store.count(bucket),
    injectFault: (spec: FaultSpec) => faults.add(spec),
    pendingFaults: () => faults.pending(),
    heldRequests: () => [...held],
    clearFaults: () => faults.clear(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets of clients would otherwise hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(headerValue(req.headers, 'content-length') ?? '0');
  if (declared > maxBytes)
    throw new OssError(
      400,
      'EntityTooLarge',
      'Your proposed upload exceeds the maximum allowed object size.',
    );
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > maxBytes)
      throw new OssError(
        400,
        'EntityTooLarge',
        'Your proposed upload exceeds the maximum allowed object size.',
      );
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function commonHeaders(requestId: string): Record<string, string> {
  return { 'x-oss-request-id': requestId, Server: 'AliyunOSS', Date: new Date().toUTCString() };
}

function send(res: ServerResponse, response: OssResponse, requestId: string): void {
  res.writeHead(response.status, { ...commonHeaders(requestId), ...response.headers });
  res.end(response.body);
}

/** Headers promise the whole body; half of it is sent, then the connection dies, as a broken download does. */
function breakOffMidBody(res: ServerResponse, response: OssResponse, requestId: string): void {
  const body = response.body ?? Buffer.alloc(0);
  res.writeHead(response.status, {
    ...commonHeaders(requestId),
    ...response.headers,
    'Content-Length': String(body.length),
  });
  res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
}

function sendError(
  res: ServerResponse,
  error: OssError,
  requestId: string,
  isHead: boolean,
  hostId: string,
): void {
  const fields = Object.entries(error.details)
    .map(([name, value]) => element(name, value))
    .join('');
  const xml = xmlDocument(
    `<Error>${element('Code', error.code)}${element('Message', error.message)}${element('RequestId', requestId)}${element('HostId', hostId)}${fields}</Error>`,
  );
  const headers: Record<string, string> = { ...commonHeaders(requestId), 'Content-Type': 'application/xml' };
  if (isHead) {
    // A HEAD answer has no body, so OSS carries the error document base64-encoded in x-oss-err; ali-oss reads it.
    headers['x-oss-err'] = Buffer.from(xml, 'utf8').toString('base64');
    res.writeHead(error.status, headers);
    res.end();
    return;
  }
  if (error.code === 'EntityTooLarge') headers.Connection = 'close';
  res.writeHead(error.status, headers);
  res.end(xml);
}

function hostIdOf(req: IncomingMessage): string {
  return (headerValue(req.headers, 'host') ?? 'localhost').replace(/:\d+$/, '');
}
