import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';

export type PointBatchStatus = 'active' | 'expired';

export class PointBatch extends Model<InferAttributes<PointBatch>, InferCreationAttributes<PointBatch>> {
  /** BIGINT: mysql2 is set to return big numbers as strings. */
  declare id: CreationOptional<string>;
  declare userId: string;
  declare amount: number;
  declare remaining: number;
  declare expiresAt: Date | null;
  declare status: CreationOptional<PointBatchStatus>;
  declare sourceType: CreationOptional<string | null>;
  declare sourceId: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initialize(sequelize: Sequelize): typeof PointBatch {
    return PointBatch.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        userId: { type: DataTypes.CHAR(36), allowNull: false },
        amount: { type: DataTypes.INTEGER, allowNull: false },
        remaining: { type: DataTypes.INTEGER, allowNull: false },
        expiresAt: { type: DataTypes.DATE },
        status: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'active' },
        sourceType: { type: DataTypes.STRING(32) },
        sourceId: { type: DataTypes.STRING(64) },
        createdAt: { type: DataTypes.DATE },
        updatedAt: { type: DataTypes.DATE },
      },
      { sequelize, tableName: 'mjk_point_batches', timestamps: false, underscored: true },
    );
  }
}
