import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';

/** Seed 000's ExecutionStatus. */
export const ExecutionStatus = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const;
export type ExecutionStatus = (typeof ExecutionStatus)[number];
/** Seed 000's ExecutionType. */
export const ExecutionType = ['image', 'video'] as const;
export type ExecutionType = (typeof ExecutionType)[number];
/** Seed 000's PlatformType (values chosen in migration 0003). */
export const PlatformType = ['wechat', 'douyin', 'alipay', 'web', 'api'] as const;
export type PlatformType = (typeof PlatformType)[number];

/** JSON columns hold plain JSON values. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export class TemplateExecution extends Model<
  InferAttributes<TemplateExecution>,
  InferCreationAttributes<TemplateExecution>
> {
  declare id: CreationOptional<number>;
  declare templateId: number;
  declare userId: string;
  declare platform: PlatformType;
  declare type: ExecutionType;
  declare prompt: string;
  declare inputImageUrl: CreationOptional<string | null>;
  declare outputUrl: CreationOptional<string | null>;
  declare thumbnailUrl: CreationOptional<string | null>;
  declare status: CreationOptional<ExecutionStatus>;
  declare progress: CreationOptional<number>;
  declare errorMessage: CreationOptional<string | null>;
  declare executionResult: CreationOptional<JsonValue | null>;
  declare creditCost: CreationOptional<number>;
  declare creditTransactionId: CreationOptional<string | null>;
  declare inputParams: CreationOptional<JsonValue | null>;
  declare executionConfig: CreationOptional<JsonValue | null>;
  declare startedAt: CreationOptional<Date | null>;
  declare completedAt: CreationOptional<Date | null>;
  declare executionDuration: CreationOptional<number | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initialize(sequelize: Sequelize): typeof TemplateExecution {
    return TemplateExecution.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        templateId: { type: DataTypes.INTEGER, allowNull: false },
        userId: { type: DataTypes.STRING(255), allowNull: false },
        platform: { type: DataTypes.ENUM(...PlatformType), allowNull: false },
        type: { type: DataTypes.ENUM(...ExecutionType), allowNull: false },
        prompt: { type: DataTypes.TEXT, allowNull: false },
        inputImageUrl: { type: DataTypes.STRING(500) },
        outputUrl: { type: DataTypes.STRING(500) },
        thumbnailUrl: { type: DataTypes.STRING(500) },
        status: { type: DataTypes.ENUM(...ExecutionStatus), allowNull: false, defaultValue: 'pending' },
        progress: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        errorMessage: { type: DataTypes.TEXT },
        executionResult: { type: DataTypes.JSON },
        creditCost: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        creditTransactionId: { type: DataTypes.STRING(100) },
        inputParams: { type: DataTypes.JSON },
        executionConfig: { type: DataTypes.JSON },
        startedAt: { type: DataTypes.DATE },
        completedAt: { type: DataTypes.DATE },
        executionDuration: { type: DataTypes.INTEGER },
        createdAt: { type: DataTypes.DATE(6) },
        updatedAt: { type: DataTypes.DATE(6) },
      },
      { sequelize, tableName: 'template_executions', timestamps: false, underscored: true },
    );
  }
}
