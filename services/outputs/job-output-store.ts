import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import type { OutputStorage } from '../oss/output-storage';
import type { GenerationType } from '../../domain/generation/generation-types';

export interface StoreJobOutputInput {
  userId: string;
  jobId: string;
  type: GenerationType;
  /** The upstream's (signed, expiring) URL of the generated file. */
  sourceUrl: string;
  /** Fixed by the workflow when the output arrives, so a retried activity lands on the same object key. */
  timestamp: number;
  ext: string;
  sortOrder: number;
  isPrimary: boolean;
  imageType?: 'result' | 'preview' | 'thumbnail';
  width?: number;
  height?: number;
  durationSeconds?: number;
}

export interface JobOutputRecord {
  id: string;
  ossPath: string;
  ossUrl: string;
  ossCdnUrl: string | null;
  size: number;
  contentType: string;
}

/**
 * Seed 003's flow for one output: download to a temp file, upload to OSS, write the job_outputs row, never
 * leave the temp file. Idempotent end to end: the object key is fixed by the caller's timestamp, the upload
 * skips an identical object, and the row is keyed by uk_job_output (job_id, type, sort_order), so a retry
 * after a crash anywhere in between ends with one object and one row.
 */
export async function storeJobOutput(
  deps: { sequelize: Sequelize; storage: OutputStorage },
  input: StoreJobOutputInput,
): Promise<JobOutputRecord> {
  const key = deps.storage.objectKeyFor({
    userId: input.userId,
    jobId: input.jobId,
    type: input.type,
    timestamp: input.timestamp,
    ext: input.ext,
  });
  const stored = await deps.storage.uploadFromUrl(key, input.sourceUrl, { jobId: input.jobId });
  const meta = {
    ...(input.durationSeconds !== undefined ? { duration: input.durationSeconds } : {}),
    format: input.ext.replace(/^\./, ''),
    etag: stored.etag,
  };
  // A retry rewrites the row's object fields with the values bound again: VALUES() in the UPDATE part is
  // deprecated on MySQL 8, and its replacement (a row alias) does not exist on MariaDB.
  await deps.sequelize.query(
    `INSERT INTO job_outputs (id, job_id, user_id, type, oss_url, oss_cdn_url, oss_path, size, content_type, extension,
                              width, height, image_type, is_primary, sort_order, meta)
     VALUES (:id, :jobId, :userId, :type, :ossUrl, :ossCdnUrl, :ossPath, :size, :contentType, :extension,
             :width, :height, :imageType, :isPrimary, :sortOrder, :meta)
     ON DUPLICATE KEY UPDATE oss_url = :ossUrl, oss_cdn_url = :ossCdnUrl, oss_path = :ossPath,
                             size = :size, content_type = :contentType, meta = :meta`,
    {
      replacements: {
        id: randomUUID(),
        jobId: input.jobId,
        userId: input.userId,
        type: input.type,
        ossUrl: stored.ossUrl,
        ossCdnUrl: stored.ossCdnUrl,
        ossPath: stored.ossPath,
        size: stored.size,
        contentType: stored.contentType,
        extension: `.${input.ext.replace(/^\./, '')}`,
        width: input.width ?? null,
        height: input.height ?? null,
        imageType: input.type === 'image' ? (input.imageType ?? 'result') : null,
        isPrimary: input.isPrimary ? 1 : 0,
        sortOrder: input.sortOrder,
        meta: JSON.stringify(meta),
      },
    },
  );
  const rows = await deps.sequelize.query<{ id: string }>(
    'SELECT id FROM job_outputs WHERE job_id = ? AND type = ? AND sort_order = ?',
    { replacements: [input.jobId, input.type, input.sortOrder], type: QueryTypes.SELECT },
  );
  return {
    id: rows[0]!.id,
    ossPath: stored.ossPath,
    ossUrl: stored.ossUrl,
    ossCdnUrl: stored.ossCdnUrl,
    size: stored.size,
    contentType: stored.contentType,
  };
}
