import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes operators filter runs by in the Web UI (`JimengProjectId = "p1"`). Defined once:
 * workflows upsert them, the API sets them at start, scripts/register-search-attributes.ts registers them.
 * All Keyword: operators match exact ids; the dev server's SQLite visibility has room for ten Keywords.
 */
export const SEARCH_ATTRIBUTES = {
  projectId: defineSearchAttributeKey('JimengProjectId', SearchAttributeType.KEYWORD),
  storyboardId: defineSearchAttributeKey('JimengStoryboardId', SearchAttributeType.KEYWORD),
  accountId: defineSearchAttributeKey('JimengAccountId', SearchAttributeType.KEYWORD),
  userId: defineSearchAttributeKey('JimengUserId', SearchAttributeType.KEYWORD),
  generationType: defineSearchAttributeKey('JimengGenerationType', SearchAttributeType.KEYWORD),
  model: defineSearchAttributeKey('JimengModel', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('JimengStatus', SearchAttributeType.KEYWORD),
} as const;
