import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  durationText,
  renderTimeoutDocs,
  retryText,
  timeoutDocsIn,
  timeoutsText,
} from '../../scripts/timeout-docs';

const README = join(__dirname, '..', '..', 'README.md');

describe("README's timeout table", () => {
  // When this fails, regenerate: npx tsc -p tsconfig.build.json && node dist/scripts/timeout-docs.js --write
  it('is what scripts/timeout-docs.ts renders from the activity options now (regenerate it with --write)', () => {
    const inReadme = timeoutDocsIn(readFileSync(README, 'utf8'));
    expect(inReadme).toBeDefined();
    expect(inReadme).toBe(renderTimeoutDocs());
  });

  it('says what a generation call is held for', () => {
    const table = renderTimeoutDocs();
    expect(table).toContain(
      '| leaseAndGenerateImages | 270 min start-to-close, heartbeat 30 s | 2 s doubling to 20 s, 10 attempts |',
    );
    expect(table).toContain(
      '| leaseAndGenerateVideo | 6 h start-to-close, heartbeat 30 s | 2 s doubling to 20 s, 10 attempts |',
    );
  });
});

describe('how the table words durations and retry policies', () => {
  it.each([
    ['30 seconds', '30 s'],
    ['270 minutes', '270 min'],
    ['360 minutes', '6 h'],
    [1500, '1500 ms'],
  ] as const)('%s reads "%s"', (duration, text) => {
    expect(durationText(duration)).toBe(text);
  });

  it('reads start-to-close and heartbeat', () => {
    expect(timeoutsText({ startToCloseTimeout: '2 minutes' })).toBe('2 min start-to-close');
    expect(timeoutsText({ startToCloseTimeout: '15 minutes', heartbeatTimeout: '30 seconds' })).toBe(
      '15 min start-to-close, heartbeat 30 s',
    );
  });

  it("fills in Temporal's defaults (1 s, doubling, capped at 100 times the first, unlimited)", () => {
    expect(retryText(undefined)).toBe('1 s doubling to 100 s, unlimited attempts');
    expect(retryText({ initialInterval: '5 seconds', maximumAttempts: 5 })).toBe(
      '5 s doubling to 500 s, 5 attempts',
    );
    expect(retryText({ initialInterval: '1 second', backoffCoefficient: 1, maximumAttempts: 3 })).toBe(
      'every 1 s, 3 attempts',
    );
  });
});
