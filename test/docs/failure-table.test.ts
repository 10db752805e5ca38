import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JIMENG_ERROR_ACTIONS } from '../../services/jimeng/error-actions';
import {
  MESSAGE_RULES,
  PROXY_CODE_RULES,
  TASK_FAIL_CODE_RULES,
  TRANSPORT_RULES,
  UPSTREAM_RET_RULES,
} from '../../services/jimeng/error-classification';
import {
  FAILURE_TABLE_BEGIN,
  FAILURE_TABLE_END,
  failureDocsIn,
  renderActionTable,
  renderErrorTable,
  renderFailureDocs,
  withFailureDocs,
} from '../../scripts/failure-docs';

const README = join(__dirname, '..', '..', 'README.md');

/** The cells of a markdown table row, `\|` kept inside its cell. */
function cellsOf(line: string): string[] {
  return line
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

function rowsOf(table: string): string[][] {
  return table.split('\n').slice(2).map(cellsOf);
}

describe("README's failure table", () => {
  // When this fails, regenerate: npx tsc -p tsconfig.build.json && node dist/scripts/failure-docs.js --write
  it('is what scripts/failure-docs.ts renders from the code now (regenerate it with --write)', () => {
    const inReadme = failureDocsIn(readFileSync(README, 'utf8'));
    expect(inReadme).toBeDefined();
    expect(inReadme).toBe(renderFailureDocs());
  });

  it('gives every action a row with a behaviour, the next attempt and the account change', () => {
    const rows = rowsOf(renderActionTable());
    expect(rows.map((r) => r[0])).toEqual(JIMENG_ERROR_ACTIONS.map((a) => `\`${a}\``));
    for (const cells of rows) {
      expect(cells).toHaveLength(4);
      for (const c of cells) expect(c).not.toBe('');
    }
  });

  it('has a row for every entry of the classification tables, each naming an action', () => {
    const rows = rowsOf(renderErrorTable());
    const which = (signal: string) => rows.filter((r) => r[0] === signal).map((r) => r[1]);
    const keys = (table: object) => Object.keys(table).map((k) => `\`${k}\``);
    expect(which('task `fail_code`')).toEqual([...keys(TASK_FAIL_CODE_RULES), 'any other']);
    expect(which('upstream `ret`')).toEqual(keys(UPSTREAM_RET_RULES));
    expect(which('proxy `code`')).toEqual([...keys(PROXY_CODE_RULES), 'any other']);
    expect(which('message text')).toHaveLength(MESSAGE_RULES.length);
    expect(which('transport')).toHaveLength(Object.keys(TRANSPORT_RULES).length);
    for (const cells of rows) {
      expect(cells).toHaveLength(5);
      expect(JIMENG_ERROR_ACTIONS.map((a) => `\`${a}\``)).toContain(cells[3]);
      expect(cells[4]).not.toBe('');
    }
  });

  it('keeps a pattern with | in one cell', () => {
    const banned = rowsOf(renderErrorTable()).find((r) => r[1]?.includes('banned'));
    expect(banned?.[1]).toContain('封禁\\|封号');
    expect(banned?.[3]).toBe('`account_banned`');
  });

  it('is rewritten between its markers and nowhere else', () => {
    const stale = `# T\n\nbefore\n\n${FAILURE_TABLE_BEGIN}\nold | table\n${FAILURE_TABLE_END}\n\nafter\n`;
    expect(withFailureDocs(stale)).toBe(`# T\n\nbefore\n\n${renderFailureDocs()}\n\nafter\n`);
    expect(withFailureDocs(withFailureDocs(stale))).toBe(withFailureDocs(stale));
    expect(() => withFailureDocs('# no markers\n')).toThrow(/failure-table:begin/);
  });
});
