import { DataTypes, type CreationOptional, type Sequelize } from 'sequelize';
import { GenerationRecord, generationRecordColumns } from './generation-record';

export class VideoGenerationRecord extends GenerationRecord<VideoGenerationRecord> {
  declare duration: CreationOptional<number | null>;
  declare remoteTaskId: CreationOptional<string | null>;
  declare videoUrls: CreationOptional<string[] | null>;
  declare videoLocalPaths: CreationOptional<string[] | null>;

  static initialize(sequelize: Sequelize): typeof VideoGenerationRecord {
    return VideoGenerationRecord.init(
      {
        ...generationRecordColumns({ ratio: '16:9', resolution: '720p' }),
        duration: { type: DataTypes.INTEGER, defaultValue: 5 },
        remoteTaskId: { type: DataTypes.STRING(100) },
        videoUrls: { type: DataTypes.JSON },
        videoLocalPaths: { type: DataTypes.JSON },
      },
      { sequelize, tableName: 'jimeng_video_generation_records', timestamps: false, underscored: true },
    );
  }
}
