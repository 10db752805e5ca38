export { JimengClient, JIMENG_ROUTES, FORK_ASYNC_ROUTES, TASK_STATUS, retryAfterMsOf } from './client';
export type {
  JimengClientOptions,
  CallOptions,
  VideoCallOptions,
  VideoRoute,
  WaitForVideoOptions,
} from './client';
export { JimengError, JOB_STARTING_OPERATIONS, JIMENG_ERROR_TYPE_PREFIX } from './jimeng-error';
export type { JimengErrorFields, JimengErrorJSON, JimengOperation } from './jimeng-error';
export {
  JimengErrorAction,
  JimengErrorReason,
  JIMENG_ERROR_ACTIONS,
  isRetryableAction,
} from './error-actions';
export {
  classifyFailure,
  classifyEnvelope,
  classifyTaskFailure,
  classifyHttpStatus,
  transportFailureOf,
} from './error-classification';
export type {
  Classification,
  ClassifiedFailure,
  FailureSignal,
  TransportFailure,
  LocalFailure,
} from './error-classification';
export { SITE_PROFILES, siteProfileOf, baseUrlFor } from '../../domain/jimeng/sites';
export type { SiteName, SiteFamily, SiteProfile, JimengBaseUrls } from '../../domain/jimeng/sites';
export * from '../../domain/jimeng/models';
export * from '../../domain/jimeng/output-formats';
export type * from '../../domain/jimeng/requests';
export type { Credits } from './response-parsing';
export { maskSecret, redactSecrets } from './secret-masking';
export { nodeHttpTransport } from './http-transport';
export type { HttpTransport, HttpRequest, HttpResponse } from './http-transport';
export { systemClock } from './clock';
export type { Clock } from './clock';
export { silentLogger } from './logger';
export type { JimengLogger } from './logger';
export {
  DEFAULT_CALL_DEADLINES_MS,
  PROXY_IMAGE_CALL_LIMIT_MS,
  PROXY_VIDEO_CALL_LIMIT_MS,
} from './proxy-limits';
