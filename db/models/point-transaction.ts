import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';

/** 变动类型 of seed 001. */
export const PointTransactionType = ['recharge', 'consume', 'expire', 'refund'] as const;
export type PointTransactionType = (typeof PointTransactionType)[number];

export class PointTransaction extends Model<
  InferAttributes<PointTransaction>,
  InferCreationAttributes<PointTransaction>
> {
  declare id: CreationOptional<string>;
  declare userId: string;
  declare type: PointTransactionType;
  declare amount: number;
  declare balanceBefore: number;
  declare balanceAfter: number;
  declare sourceType: CreationOptional<string | null>;
  declare sourceId: CreationOptional<string | null>;
  declare batchId: CreationOptional<string | null>;
  declare duration: CreationOptional<number | null>;
  declare description: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initialize(sequelize: Sequelize): typeof PointTransaction {
    return PointTransaction.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        userId: { type: DataTypes.CHAR(36), allowNull: false },
        type: { type: DataTypes.STRING(20), allowNull: false },
        amount: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        balanceBefore: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        balanceAfter: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        sourceType: { type: DataTypes.STRING(32) },
        sourceId: { type: DataTypes.STRING(64) },
        batchId: { type: DataTypes.BIGINT },
        duration: { type: DataTypes.FLOAT },
        description: { type: DataTypes.TEXT },
        createdAt: { type: DataTypes.DATE },
        updatedAt: { type: DataTypes.DATE },
      },
      { sequelize, tableName: 'mjk_point_transactions', timestamps: false, underscored: true },
    );
  }
}
