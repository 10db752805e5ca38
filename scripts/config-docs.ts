import { settings, type Setting } from '../config/settings';

/**
 * Renders the settings table of config/settings.ts as .env.example or as README's configuration table,
 * so the documentation cannot drift from what the processes read (test/config/docs.test.ts compares).
 * usage: node dist/scripts/config-docs.js env|markdown
 */
const all = Object.values(settings) as Setting<unknown>[];

export function renderEnvExample(): string {
  const lines = [
    '# jimeng-flow configuration. Copy to .env to override; every value shown is the default.',
    '',
  ];
  for (const s of all) {
    lines.push(`# ${s.doc}${s.aliases?.length ? ` (also read as ${s.aliases.join(', ')})` : ''}`);
    lines.push(`${s.default === undefined ? '# (required) ' : ''}${s.env}=${s.default ?? ''}`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderMarkdownTable(): string {
  const rows = all.map((s) => {
    const value =
      s.default === undefined ? '*(required)*' : s.default === '' ? '*(empty)*' : `\`${s.default}\``;
    const notes = `${s.secret ? ' (secret: never logged)' : ''}${s.developmentDefault ? ' (production refuses the default)' : ''}`;
    return `| \`${s.env}\` | ${value} | ${s.doc}${notes} |`;
  });
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
}

if (require.main === module) {
  process.stdout.write(process.argv[2] === 'markdown' ? `${renderMarkdownTable()}\n` : renderEnvExample());
}
