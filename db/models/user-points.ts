import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';

export class UserPoints extends Model<InferAttributes<UserPoints>, InferCreationAttributes<UserPoints>> {
  declare userId: string;
  declare balance: CreationOptional<number>;
  declare version: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initialize(sequelize: Sequelize): typeof UserPoints {
    return UserPoints.init(
      {
        userId: { type: DataTypes.CHAR(36), primaryKey: true },
        balance: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
        createdAt: { type: DataTypes.DATE },
        updatedAt: { type: DataTypes.DATE },
      },
      { sequelize, tableName: 'mjk_user_points', timestamps: false, underscored: true },
    );
  }
}
