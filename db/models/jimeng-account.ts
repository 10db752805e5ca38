import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';
import type { AccountStatus, AccountType, CapabilityStatus, SiteType } from './codes';

export class JimengAccount extends Model<
  InferAttributes<JimengAccount>,
  InferCreationAttributes<JimengAccount>
> {
  declare id: string;
  declare jimengAccount: string;
  declare jimengAccountType: CreationOptional<AccountType>;
  declare sessionId: string;
  declare siteType: CreationOptional<SiteType>;
  declare accountStatus: CreationOptional<AccountStatus>;
  declare imageGenerationStatus: CreationOptional<CapabilityStatus>;
  declare videoGenerationStatus: CreationOptional<CapabilityStatus>;
  declare imageCount: CreationOptional<number>;
  declare videoCount: CreationOptional<number>;
  declare imageUnavailableTime: CreationOptional<Date | null>;
  declare videoUnavailableTime: CreationOptional<Date | null>;
  declare quotaResetTime: CreationOptional<Date | null>;
  declare priority: CreationOptional<number>;
  declare maxRetryCount: CreationOptional<number>;
  declare version: CreationOptional<number>;
  declare isDeleted: CreationOptional<number>;
  declare createTime: CreationOptional<Date>;
  declare updateTime: CreationOptional<Date>;
  declare createBy: CreationOptional<string | null>;
  declare updateBy: CreationOptional<string | null>;
  declare attr1: CreationOptional<string | null>;
  declare attr2: CreationOptional<string | null>;
  /**
   * The account's outbound proxy URL (`scheme://[user:password@]host:port`, domain/jimeng/proxy-url.ts), a
   * credential: the accounts API takes it write-only as `proxy_url` and the Jimeng client puts it in front of
   * the token. The seed's TEXT extension column, so the schema stays the seed's; not attr1/attr2, whose 255
   * characters a provider's long user name and password can outgrow. NULL (or empty): no proxy.
   */
  declare attr3: CreationOptional<string | null>;

  static initialize(sequelize: Sequelize): typeof JimengAccount {
    return JimengAccount.init(
      {
        id: { type: DataTypes.STRING(36), primaryKey: true },
        jimengAccount: { type: DataTypes.STRING(100), allowNull: false },
        jimengAccountType: { type: DataTypes.TINYINT, defaultValue: 0 },
        sessionId: { type: DataTypes.STRING(200), allowNull: false },
        siteType: { type: DataTypes.TINYINT, defaultValue: 0 },
        accountStatus: { type: DataTypes.TINYINT, defaultValue: 0 },
        imageGenerationStatus: { type: DataTypes.TINYINT, defaultValue: 1 },
        videoGenerationStatus: { type: DataTypes.TINYINT, defaultValue: 1 },
        imageCount: { type: DataTypes.INTEGER, defaultValue: 0 },
        videoCount: { type: DataTypes.INTEGER, defaultValue: 0 },
        imageUnavailableTime: { type: DataTypes.DATE },
        videoUnavailableTime: { type: DataTypes.DATE },
        quotaResetTime: { type: DataTypes.DATE },
        priority: { type: DataTypes.INTEGER, defaultValue: 0 },
        maxRetryCount: { type: DataTypes.INTEGER, defaultValue: 4 },
        version: { type: DataTypes.INTEGER, defaultValue: 1 },
        isDeleted: { type: DataTypes.TINYINT, defaultValue: 0 },
        createTime: { type: DataTypes.DATE },
        updateTime: { type: DataTypes.DATE },
        createBy: { type: DataTypes.STRING(50) },
        updateBy: { type: DataTypes.STRING(50) },
        attr1: { type: DataTypes.STRING(255) },
        attr2: { type: DataTypes.STRING(255) },
        attr3: { type: DataTypes.TEXT },
      },
      // The table keeps its own create/update times (DB defaults); the optimistic `version` is driven by the
      // account pool's conditional UPDATEs, not by Sequelize.
      { sequelize, tableName: 'jimeng_accounts', timestamps: false, underscored: true },
    );
  }
}
