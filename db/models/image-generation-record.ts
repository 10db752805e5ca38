import { DataTypes, type CreationOptional, type Sequelize } from 'sequelize';
import { GenerationRecord, generationRecordColumns } from './generation-record';

export class ImageGenerationRecord extends GenerationRecord<ImageGenerationRecord> {
  declare intelligentRatio: CreationOptional<number>;
  /** DECIMAL(3,2): mysql2 returns DECIMAL as a string to keep its exact value. */
  declare sampleStrength: CreationOptional<string | null>;
  declare imageUrls: CreationOptional<string[] | null>;
  declare imageLocalPaths: CreationOptional<string[] | null>;

  static initialize(sequelize: Sequelize): typeof ImageGenerationRecord {
    return ImageGenerationRecord.init(
      {
        ...generationRecordColumns({ ratio: '1:1', resolution: '2k' }),
        intelligentRatio: { type: DataTypes.TINYINT, defaultValue: 0 },
        sampleStrength: { type: DataTypes.DECIMAL(3, 2) },
        imageUrls: { type: DataTypes.JSON },
        imageLocalPaths: { type: DataTypes.JSON },
      },
      { sequelize, tableName: 'jimeng_image_generation_records', timestamps: false, underscored: true },
    );
  }
}
