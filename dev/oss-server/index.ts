export {
  startOssServer,
  type BucketConfig,
  type OssServer,
  type OssServerOptions,
  type OssServerStats,
} from './server';
export type { Credential } from './credentials';
export type { FaultKind, FaultSpec, PendingFault } from './faults';
export { MIN_PART_SIZE } from './multipart-uploads';
