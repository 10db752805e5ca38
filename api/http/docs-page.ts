type Json = Record<string, unknown>;

const escape = (text: unknown): string =>
  String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The API reference as one self-contained HTML page, rendered from the OpenAPI document (no script, no CDN:
 * it works on a machine without internet, and cannot disagree with /openapi.json).
 */
export function renderDocsPage(document: Json): string {
  const info = document.info as { title: string; version: string; description: string };
  const schemas = ((document.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  const resolve = (schema: Json | undefined): Json | undefined =>
    schema && typeof schema.$ref === 'string'
      ? schemas[schema.$ref.replace('#/components/schemas/', '')]
      : schema;
  const typeOf = (schema: Json | undefined): string => {
    const s = resolve(schema);
    if (!s) return '';
    if (Array.isArray(s.enum)) return (s.enum as unknown[]).map(String).join(' | ');
    if ('const' in s) return String(s.const);
    if (s.type === 'array') return `array of ${typeOf(s.items as Json)}`;
    if (Array.isArray(s.anyOf)) return (s.anyOf as Json[]).map(typeOf).join(' | ');
    return String(s.type ?? (typeof schema?.$ref === 'string' ? schema.$ref.split('/').pop() : 'object'));
  };
  /** A body of one shape per model (oneOf) is shown as one table: a field that differs says so. */
  const fields = (schema: Json | undefined): string => {
    const s = resolve(schema);
    const variants = (Array.isArray(s?.oneOf) ? (s.oneOf as Json[]).map(resolve) : [s]).filter(
      (v): v is Json => v !== undefined,
    );
    const names = [...new Set(variants.flatMap((v) => Object.keys((v.properties ?? {}) as Json)))];
    const rows = names.map((name) => {
      const seen = variants.flatMap((v) => {
        const p = ((v.properties ?? {}) as Record<string, Json>)[name];
        return p ? [{ type: typeOf(p), description: String(p.description ?? '') }] : [];
      });
      const required = variants.every((v) => ((v.required ?? []) as string[]).includes(name));
      const differs = new Set(seen.map((x) => `${x.type}\n${x.description}`)).size > 1;
      const meaning = `${seen[0]?.description ?? ''}${differs ? ' (differs by model: see /openapi.json)' : ''}`;
      return `<tr><td><code>${escape(name)}</code>${required ? ' *' : ''}</td><td>${escape(seen[0]?.type)}</td><td>${escape(meaning)}</td></tr>`;
    });
    return rows.length
      ? `<table><tr><th>field</th><th>type</th><th>meaning</th></tr>${rows.join('')}</table>`
      : '';
  };
  const sections: string[] = [];
  for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(operations)) {
      const parameters = (op.parameters ?? []) as Json[];
      const body = ((op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined)?.[
        'application/json'
      ]?.schema as Json | undefined;
      const responses = Object.entries((op.responses ?? {}) as Record<string, Json>)
        .map(([status, r]) => `<li><b>${escape(status)}</b> ${escape(r.description)}</li>`)
        .join('');
      sections.push(`<section id="${escape(op.operationId)}">
<h3><span class="m">${escape(method.toUpperCase())}</span> <code>${escape(path)}</code></h3>
<p>${escape(op.summary)}${op['x-required-scope'] ? ' <em>(admin key)</em>' : ''}${Array.isArray(op.security) && (op.security as unknown[]).length === 0 ? ' <em>(no key)</em>' : ''}</p>
${parameters.length ? `<table><tr><th>parameter</th><th>in</th><th>meaning</th></tr>${parameters.map((p) => `<tr><td><code>${escape(p.name)}</code>${p.required ? ' *' : ''}</td><td>${escape(p.in)}</td><td>${escape(p.description ?? typeOf(p.schema as Json))}</td></tr>`).join('')}</table>` : ''}
${body ? `<h4>Body</h4>${fields(body)}` : ''}
<h4>Responses</h4><ul>${responses}</ul>
</section>`);
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(info.title)} API</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;vertical-align:top}
.m{font-family:monospace;background:#222;color:#fff;padding:0 .4rem;border-radius:3px}section{border-top:1px solid #ddd;margin-top:1.5rem}</style>
</head><body><h1>${escape(info.title)} API v${escape(info.version)}</h1><p>${escape(info.description)}</p>
<p>Authenticate with <code>Authorization: Bearer &lt;API key&gt;</code>. Errors are <code>application/problem+json</code>.
Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
${sections.join('\n')}</body></html>`;
}
