import type { Sequelize } from 'sequelize';
import { ApiKey } from './api-key';
import { ImageGenerationRecord } from './image-generation-record';
import { JimengAccount } from './jimeng-account';
import { JobOutput } from './job-output';
import { PointBatch } from './point-batch';
import { PointTransaction } from './point-transaction';
import { TemplateExecution } from './template-execution';
import { UserPoints } from './user-points';
import { VideoGenerationRecord } from './video-generation-record';

export * from './codes';
export { ImageGenerationRecord, JimengAccount, JobOutput, PointBatch, PointTransaction, TemplateExecution };
export { ApiKey, UserPoints, VideoGenerationRecord };
export { ApiKeyScope } from './api-key';
export type { JsonValue } from './template-execution';

export interface Models {
  JimengAccount: typeof JimengAccount;
  ImageGenerationRecord: typeof ImageGenerationRecord;
  VideoGenerationRecord: typeof VideoGenerationRecord;
  PointBatch: typeof PointBatch;
  PointTransaction: typeof PointTransaction;
  UserPoints: typeof UserPoints;
  TemplateExecution: typeof TemplateExecution;
  JobOutput: typeof JobOutput;
  ApiKey: typeof ApiKey;
}

/** Binds every model to one Sequelize instance; the schema itself comes from migrations, never sync(). */
export function initModels(sequelize: Sequelize): Models {
  return {
    JimengAccount: JimengAccount.initialize(sequelize),
    ImageGenerationRecord: ImageGenerationRecord.initialize(sequelize),
    VideoGenerationRecord: VideoGenerationRecord.initialize(sequelize),
    PointBatch: PointBatch.initialize(sequelize),
    PointTransaction: PointTransaction.initialize(sequelize),
    UserPoints: UserPoints.initialize(sequelize),
    TemplateExecution: TemplateExecution.initialize(sequelize),
    JobOutput: JobOutput.initialize(sequelize),
    ApiKey: ApiKey.initialize(sequelize),
  };
}
