/** The numeric codes the seeds define for TINYINT columns, named once. */

/** jimeng_accounts.site_type and *_generation_records.site_used: 0-cn，1-us，2-hk，3-jp，4-sg */
export const SiteType = { CN: 0, US: 1, HK: 2, JP: 3, SG: 4 } as const;
export type SiteType = (typeof SiteType)[keyof typeof SiteType];
const SITE_TYPES: readonly number[] = Object.values(SiteType);

/** A site_type as read from the database (drivers may hand TINYINT as a string), or null when not a site. */
export function siteTypeOf(value: unknown): SiteType | null {
  const n = Number(value);
  return value !== null && SITE_TYPES.includes(n) ? (n as SiteType) : null;
}

/** jimeng_accounts.jimeng_account_type: 0-国内账号，1-国外账号 */
export const AccountType = { DOMESTIC: 0, OVERSEAS: 1 } as const;
export type AccountType = (typeof AccountType)[keyof typeof AccountType];

/** jimeng_accounts.account_status: 0-active(正常)，1-inactive(停用)，2-banned(封禁) */
export const AccountStatus = { ACTIVE: 0, INACTIVE: 1, BANNED: 2 } as const;
export type AccountStatus = (typeof AccountStatus)[keyof typeof AccountStatus];

/** jimeng_accounts.image_generation_status / video_generation_status: 0-不可用，1-可用，2-速率限制 */
export const CapabilityStatus = { UNAVAILABLE: 0, AVAILABLE: 1, RATE_LIMITED: 2 } as const;
export type CapabilityStatus = (typeof CapabilityStatus)[keyof typeof CapabilityStatus];

/** *_generation_records.generation_status: 0-pending，1-processing，2-completed，3-failed，4-retrying */
export const GenerationStatus = { PENDING: 0, PROCESSING: 1, COMPLETED: 2, FAILED: 3, RETRYING: 4 } as const;
export type GenerationStatus = (typeof GenerationStatus)[keyof typeof GenerationStatus];

/** api_keys.scope: `caller` uses the API for its owner, `admin` also operates it (migration 0007). */
export const ApiKeyScope = ['caller', 'admin'] as const;
export type ApiKeyScope = (typeof ApiKeyScope)[number];
