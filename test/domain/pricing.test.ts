import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PRICING, parsePricing, priceImage, priceVideo } from '../../domain/pricing';

describe('pricing', () => {
  it('prices an image call by resolution and model', () => {
    expect(priceImage({ model: 'jimeng-4.5', resolution: '2k' })).toBe(4);
    expect(priceImage({ model: 'jimeng-4.5', resolution: '4k' })).toBe(8);
    expect(priceImage({ model: 'nanobananapro', resolution: '1k' })).toBe(4);
    expect(priceImage({ model: 'jimeng-4.6', resolution: '1k' })).toBe(3); // 2.5 rounded up
  });

  it('prices a video per started second, so a shorter result costs less than its estimate', () => {
    const estimate = priceVideo({ model: 'jimeng-video-3.0', resolution: '720p', durationSeconds: 10 });
    const actual = priceVideo({ model: 'jimeng-video-3.0', resolution: '720p', durationSeconds: 7.2 });
    expect(estimate).toBe(20);
    expect(actual).toBe(16);
    expect(priceVideo({ model: 'jimeng-video-3.5-pro', resolution: '1080p', durationSeconds: 5 })).toBe(23);
  });

  it('refuses what it cannot price', () => {
    expect(() => priceImage({ model: 'jimeng-4.5', resolution: '8k' })).toThrow(/resolution 8k/);
    expect(() => priceVideo({ model: 'x', resolution: '720p', durationSeconds: 0 })).toThrow(
      /durationSeconds/,
    );
  });

  it('reads a configured table over the defaults and refuses typos and non-positive prices', () => {
    const table = parsePricing('{"imagePerCall": {"2k": 5}, "modelMultipliers": {"jimeng-4.5": 2}}');
    expect(priceImage({ model: 'jimeng-4.5', resolution: '2k' }, table)).toBe(10);
    expect(table.videoPerSecond).toEqual(DEFAULT_PRICING.videoPerSecond);
    expect(() => parsePricing('{"imagePrice": {}}')).toThrow(/unknown key imagePrice/);
    expect(() => parsePricing('{"videoPerSecond": {"720p": 0}}')).toThrow(/positive/);
    expect(() => parsePricing('nope')).toThrow(/JSON/);
  });
});

describe('README', () => {
  it('lists every default price', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const listed = new Map(
      [...readme.matchAll(/^\| (?:image|video|model)[^|]*\| ([\w.-]+) \| ([\d.]+) \|$/gm)].map((m) => [
        m[1],
        Number(m[2]),
      ]),
    );
    const defaults = {
      ...DEFAULT_PRICING.imagePerCall,
      ...DEFAULT_PRICING.videoPerSecond,
      ...DEFAULT_PRICING.modelMultipliers,
    };
    expect(Object.fromEntries(listed)).toEqual(defaults);
  });
});
