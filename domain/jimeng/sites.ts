import { SiteType } from '../../db/codes';

/**
 * The proxy serves every site from one process and picks the upstream site from a prefix on the token
 * (`us-`, `hk-`, `jp-`, `sg-`; none means China). So an account's site is expressed twice: which proxy base URL
 * we call (operators may run one proxy per site or one for all) and which prefix its session id carries.
 */
export type SiteName = 'cn' | 'us' | 'hk' | 'jp' | 'sg';

/** The three upstream families: models and durations differ between them, not between HK, JP and SG. */
export type SiteFamily = 'cn' | 'us' | 'asia';

export interface SiteProfile {
  readonly siteType: SiteType;
  readonly name: SiteName;
  readonly family: SiteFamily;
  /** Prepended to the session id in the bearer token; the proxy strips it case-insensitively. */
  readonly tokenPrefix: string;
  /** The `region` parameter the proxy sends upstream (informational: it is derived from the prefix). */
  readonly region: string;
}

export const SITE_PROFILES: Readonly<Record<SiteType, SiteProfile>> = {
  [SiteType.CN]: { siteType: SiteType.CN, name: 'cn', family: 'cn', tokenPrefix: '', region: 'cn' },
  [SiteType.US]: { siteType: SiteType.US, name: 'us', family: 'us', tokenPrefix: 'us-', region: 'US' },
  [SiteType.HK]: { siteType: SiteType.HK, name: 'hk', family: 'asia', tokenPrefix: 'hk-', region: 'HK' },
  [SiteType.JP]: { siteType: SiteType.JP, name: 'jp', family: 'asia', tokenPrefix: 'jp-', region: 'JP' },
  [SiteType.SG]: { siteType: SiteType.SG, name: 'sg', family: 'asia', tokenPrefix: 'sg-', region: 'SG' },
};

/** Undefined for a number the seeds do not define (a bad row must not silently fall back to the China site). */
export function siteProfileOf(siteType: number): SiteProfile | undefined {
  return Object.prototype.hasOwnProperty.call(SITE_PROFILES, siteType)
    ? SITE_PROFILES[siteType as SiteType]
    : undefined;
}

/**
 * Where the proxy for each site lives. `default` covers every site not named, which is the usual set-up
 * (one proxy, region chosen by the token prefix).
 */
export type JimengBaseUrls = Partial<Record<SiteName | 'default', string>>;

export function baseUrlFor(baseUrls: JimengBaseUrls, site: SiteName): string | undefined {
  const url = baseUrls[site] ?? baseUrls.default;
  return url === undefined ? undefined : url.replace(/\/+$/, '');
}

/** The site types of some families, in site type order: where a model served by those families runs. */
export function siteTypesOf(families: readonly SiteFamily[]): SiteType[] {
  return Object.values(SITE_PROFILES)
    .filter((profile) => families.includes(profile.family))
    .map((profile) => profile.siteType);
}
