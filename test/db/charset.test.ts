import { convertTableSql, needsConversion, targetCollation, TABLE_CHARSET } from '../../db/charset';

describe('the schema character set', () => {
  it('is utf8mb4 / utf8mb4_unicode_ci, a collation both MariaDB and MySQL 8 have', () => {
    expect(TABLE_CHARSET).toBe('DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci');
  });

  it('converts every other collation, keeping binary ones binary', () => {
    expect(targetCollation('utf8mb4_0900_ai_ci')).toBe('utf8mb4_unicode_ci');
    expect(targetCollation('utf8mb3_general_ci')).toBe('utf8mb4_unicode_ci');
    expect(targetCollation('utf8mb4_bin')).toBe('utf8mb4_bin');
    expect(targetCollation('utf8mb3_bin')).toBe('utf8mb4_bin');
    expect(needsConversion({ collation: 'utf8mb4_unicode_ci' })).toBe(false);
    expect(needsConversion({ collation: 'utf8mb4_bin' })).toBe(false);
    expect(needsConversion({ collation: 'utf8mb4_0900_ai_ci' })).toBe(true);
  });

  const prompt = {
    name: 'prompt',
    columnType: 'text',
    collation: 'utf8mb3_general_ci',
    nullable: false,
    columnDefault: null,
    comment: "the user's prompt",
  };
  const ratio = {
    name: 'ratio',
    columnType: 'varchar(10)',
    collation: 'utf8mb4_0900_ai_ci',
    nullable: true,
    comment: '宽高比',
  };

  it("restates each column with its own type, nullability, default and comment, from MariaDB's COLUMN_DEFAULT", () => {
    expect(convertTableSql('t', [prompt, { ...ratio, columnDefault: "'1:1'" }], 'expression')).toBe(
      'ALTER TABLE `t` DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci, ' +
        "MODIFY `prompt` text CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL COMMENT 'the user''s prompt', " +
        "MODIFY `ratio` varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL DEFAULT '1:1' COMMENT '宽高比'",
    );
    expect(convertTableSql('t', [{ ...ratio, columnDefault: 'NULL' }], 'expression')).toBe(
      'ALTER TABLE `t` DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci, ' +
        "MODIFY `ratio` varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL COMMENT '宽高比'",
    );
  });

  it("quotes MySQL 8's bare COLUMN_DEFAULT", () => {
    expect(convertTableSql('t', [{ ...ratio, columnDefault: "it's \\ 1:1" }], 'value')).toBe(
      'ALTER TABLE `t` DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci, ' +
        "MODIFY `ratio` varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL DEFAULT 'it''s \\\\ 1:1' COMMENT '宽高比'",
    );
  });

  it('changes only the table default when no column needs converting', () => {
    expect(convertTableSql('t', [], 'value')).toBe(
      'ALTER TABLE `t` DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci',
    );
  });
});
