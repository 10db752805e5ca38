import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';

/** What a key may do: `caller` uses the API for its owner, `admin` also operates it (migration 0007). */
export const ApiKeyScope = ['caller', 'admin'] as const;
export type ApiKeyScope = (typeof ApiKeyScope)[number];

/** One issued API key; the key itself is never stored, only its SHA-256 (migration 0007). */
export class ApiKey extends Model<InferAttributes<ApiKey>, InferCreationAttributes<ApiKey>> {
  declare id: string;
  declare keyHash: string;
  declare keyPrefix: string;
  declare name: CreationOptional<string | null>;
  declare owner: string;
  declare scope: ApiKeyScope;
  declare createdAt: CreationOptional<Date>;
  declare lastUsedAt: CreationOptional<Date | null>;
  declare revokedAt: CreationOptional<Date | null>;

  static initialize(sequelize: Sequelize): typeof ApiKey {
    return ApiKey.init(
      {
        id: { type: DataTypes.CHAR(36), primaryKey: true },
        keyHash: { type: DataTypes.CHAR(64), allowNull: false, unique: true },
        keyPrefix: { type: DataTypes.STRING(16), allowNull: false },
        name: { type: DataTypes.STRING(100) },
        owner: { type: DataTypes.STRING(50), allowNull: false },
        scope: { type: DataTypes.ENUM(...ApiKeyScope), allowNull: false },
        createdAt: { type: DataTypes.DATE(3) },
        lastUsedAt: { type: DataTypes.DATE(3) },
        revokedAt: { type: DataTypes.DATE(3) },
      },
      { sequelize, tableName: 'api_keys', timestamps: false, underscored: true },
    );
  }
}
