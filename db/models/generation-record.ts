import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type ModelAttributes,
} from 'sequelize';
import type { GenerationStatus, SiteType } from './codes';

/**
 * The columns jimeng_image_generation_records and jimeng_video_generation_records share (seed 002).
 * Declared once so the two models cannot drift; each table adds its own few columns.
 */
export abstract class GenerationRecord<M extends GenerationRecord<M>> extends Model<
  InferAttributes<M>,
  InferCreationAttributes<M>
> {
  declare id: string;
  declare jimengAccountsId: string;
  declare projectId: string;
  declare projectName: string;
  declare storyboardId: string;
  declare workId: string;
  declare model: string;
  declare prompt: string;
  declare negativePrompt: CreationOptional<string | null>;
  declare ratio: CreationOptional<string | null>;
  declare resolution: CreationOptional<string | null>;
  declare responseFormat: CreationOptional<string | null>;
  declare inputImages: CreationOptional<string[] | null>;
  declare originalSessionId: CreationOptional<string | null>;
  declare siteUsed: CreationOptional<SiteType | null>;
  declare generationStatus: CreationOptional<GenerationStatus>;
  declare generationTime: CreationOptional<number | null>;
  declare errorCode: CreationOptional<string | null>;
  declare errorMessage: CreationOptional<string | null>;
  declare siteSwitchCount: CreationOptional<number>;
  declare priority: CreationOptional<number>;
  declare callbackUrl: CreationOptional<string | null>;
  declare version: CreationOptional<number>;
  declare isDeleted: CreationOptional<number>;
  declare createTime: CreationOptional<Date>;
  declare updateTime: CreationOptional<Date>;
  declare createBy: CreationOptional<string | null>;
  declare updateBy: CreationOptional<string | null>;
  declare attr1: CreationOptional<string | null>;
  declare attr2: CreationOptional<string | null>;
  declare attr3: CreationOptional<string | null>;
}

/** Defaults mirror the DDL so a model-built row and a DB-defaulted row agree. */
export function generationRecordColumns(defaults: { ratio: string; resolution: string }) {
  return {
    id: { type: DataTypes.STRING(36), primaryKey: true },
    jimengAccountsId: { type: DataTypes.STRING(36), allowNull: false },
    projectId: { type: DataTypes.STRING(50), allowNull: false },
    projectName: { type: DataTypes.STRING(50), allowNull: false },
    storyboardId: { type: DataTypes.STRING(50), allowNull: false },
    workId: { type: DataTypes.STRING(50), allowNull: false },
    model: { type: DataTypes.STRING(50), allowNull: false },
    prompt: { type: DataTypes.TEXT, allowNull: false },
    negativePrompt: { type: DataTypes.TEXT },
    ratio: { type: DataTypes.STRING(10), defaultValue: defaults.ratio },
    resolution: { type: DataTypes.STRING(10), defaultValue: defaults.resolution },
    responseFormat: { type: DataTypes.STRING(20), defaultValue: 'url' },
    inputImages: { type: DataTypes.JSON },
    originalSessionId: { type: DataTypes.STRING(200) },
    siteUsed: { type: DataTypes.TINYINT },
    generationStatus: { type: DataTypes.TINYINT, defaultValue: 0 },
    generationTime: { type: DataTypes.INTEGER },
    errorCode: { type: DataTypes.STRING(20) },
    errorMessage: { type: DataTypes.TEXT },
    siteSwitchCount: { type: DataTypes.INTEGER, defaultValue: 0 },
    priority: { type: DataTypes.INTEGER, defaultValue: 0 },
    callbackUrl: { type: DataTypes.STRING(500) },
    version: { type: DataTypes.INTEGER, defaultValue: 1 },
    isDeleted: { type: DataTypes.TINYINT, defaultValue: 0 },
    createTime: { type: DataTypes.DATE },
    updateTime: { type: DataTypes.DATE },
    createBy: { type: DataTypes.STRING(50) },
    updateBy: { type: DataTypes.STRING(50) },
    attr1: { type: DataTypes.STRING(255) },
    attr2: { type: DataTypes.STRING(255) },
    attr3: { type: DataTypes.TEXT },
  } satisfies ModelAttributes;
}
