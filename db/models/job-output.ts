import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';
import type { JsonValue } from './template-execution';

export type OutputType = 'image' | 'video';

export class JobOutput extends Model<InferAttributes<JobOutput>, InferCreationAttributes<JobOutput>> {
  declare id: string;
  declare jobId: string;
  declare userId: string;
  declare type: OutputType;
  declare ossUrl: string;
  declare ossCdnUrl: CreationOptional<string | null>;
  declare ossPath: string;
  /** BIGINT, returned as a string by mysql2. */
  declare size: CreationOptional<string>;
  declare contentType: CreationOptional<string | null>;
  declare extension: CreationOptional<string | null>;
  declare width: CreationOptional<number | null>;
  declare height: CreationOptional<number | null>;
  declare imageType: CreationOptional<string | null>;
  declare isPrimary: CreationOptional<boolean>;
  declare sortOrder: CreationOptional<number>;
  declare meta: CreationOptional<{ [key: string]: JsonValue } | null>;
  declare createdAt: CreationOptional<Date>;

  static initialize(sequelize: Sequelize): typeof JobOutput {
    return JobOutput.init(
      {
        id: { type: DataTypes.CHAR(36), primaryKey: true },
        jobId: { type: DataTypes.STRING(64), allowNull: false },
        userId: { type: DataTypes.STRING(64), allowNull: false },
        type: { type: DataTypes.STRING(10), allowNull: false },
        ossUrl: { type: DataTypes.STRING(1000), allowNull: false },
        ossCdnUrl: { type: DataTypes.STRING(1000) },
        ossPath: { type: DataTypes.STRING(500), allowNull: false },
        size: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
        contentType: { type: DataTypes.STRING(100) },
        extension: { type: DataTypes.STRING(20) },
        width: { type: DataTypes.INTEGER },
        height: { type: DataTypes.INTEGER },
        imageType: { type: DataTypes.STRING(32) },
        isPrimary: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        sortOrder: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        meta: { type: DataTypes.JSON },
        createdAt: { type: DataTypes.DATE },
      },
      { sequelize, tableName: 'job_outputs', timestamps: false, underscored: true },
    );
  }
}
