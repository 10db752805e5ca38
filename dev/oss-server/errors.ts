/**
 * The error a real OSS answers with: an HTTP status, an OSS error code, and extra XML fields (real OSS adds
 * StringToSign & co. to signature errors, which is what makes a client-side signing bug debuggable).
 */
export class OssError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'OssError';
  }
}

export const accessDenied = (message: string): OssError => new OssError(403, 'AccessDenied', message);
export const invalidArgument = (message: string): OssError => new OssError(400, 'InvalidArgument', message);
export const notImplemented = (what: string): OssError =>
  new OssError(501, 'NotImplemented', `${what} is not implemented by the local OSS server.`);
