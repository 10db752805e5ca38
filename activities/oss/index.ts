export {
  createOutputStorage,
  type OutputStorage,
  type OutputStorageDeps,
  type StoredOutput,
  type UploadOptions,
  type DownloadOptions,
  type UploadFromUrlOptions,
} from './output-storage';
export type { OssClientOptions } from './oss-client-options';
export { objectKeyFor, type ObjectKeyParts } from './object-key';
export { cdnObjectUrl, ossObjectUrl } from './object-urls';
export { downloadToTemp, type DownloadLimits, type DownloadRequest, type TempFile } from './download-to-temp';
export { cleanupJobTempFiles, cleanupOldTempFiles, removeTempFile } from './temp-files';
export { DownloadError, OssOperationError, type OssOperation } from './storage-errors';
export type { StorageLogger } from './storage-logger';
