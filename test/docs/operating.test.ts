import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scheduleDefinitions } from '../../worker/schedules';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

/** README's "Operating it" section, up to the next section of the same level. */
function operatingSection(): string {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Operating it\n');
  expect(start).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe('README, Operating it', () => {
  it('explains every search attribute the workflows set, with its type', () => {
    const section = operatingSection();
    for (const key of Object.values(SEARCH_ATTRIBUTES)) {
      expect(section).toContain(`| \`${key.name}\` |`);
      expect(key.type).toBe('KEYWORD'); // the section says "All are Keyword"
    }
  });

  it('names every schedule the worker creates, with the workflow it runs', () => {
    const section = operatingSection();
    for (const schedule of scheduleDefinitions({ taskQueue: 'q', timeZone: 'Asia/Shanghai' })) {
      expect(section).toContain(`| \`${schedule.scheduleId}\` | \`${schedule.action.workflowType}\` |`);
    }
  });
});
