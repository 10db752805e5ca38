import type { GenerationType } from '../../domain/generation/generation-types';

/**
 * The account's outbound proxy URL lives in the seed's extension column attr3 (TEXT), no column of its own:
 * the schema stays the seed's, column for column (test/db/schema.test.ts), and nothing else uses attr3. TEXT
 * rather than attr1/attr2 (VARCHAR(255)): proxy providers' user names carry zone, country and session
 * settings, and with a password they can outgrow 255 characters, which VARCHAR would refuse or cut.
 */
export const PROXY_URL_COLUMN = 'attr3';

/** The status and cooldown columns of one capability of jimeng_accounts. */
export function capabilityColumns(capability: GenerationType) {
  return capability === 'image'
    ? { status: 'image_generation_status', unavailable: 'image_unavailable_time' }
    : { status: 'video_generation_status', unavailable: 'video_unavailable_time' };
}
