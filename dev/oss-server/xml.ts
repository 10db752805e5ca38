/**
 * Just enough XML for OSS: responses are built from templates, and the two request bodies the server reads
 * (Delete, CompleteMultipartUpload) are flat lists of leaf elements, so a regular-expression reader is
 * sufficient and keeps the server free of dependencies.
 */

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_m, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    return named[entity] ?? '';
  });
}

/** `<name>escaped value</name>`; empty string for undefined/null so optional fields can be inlined. */
export function element(name: string, value: string | number | boolean | null | undefined): string {
  if (value === undefined || value === null) return '';
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function xmlDocument(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}

/** Inner texts of every `<name>` element (raw, still escaped); nested elements of the same name are not supported. */
export function childBlocks(xml: string, name: string): string[] {
  const pattern = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'g');
  return [...xml.matchAll(pattern)].map((m) => m[1] ?? '');
}

/** Unescaped text of the first `<name>` element, or undefined. */
export function childText(xml: string, name: string): string | undefined {
  const block = childBlocks(xml, name)[0];
  return block === undefined ? undefined : unescapeXml(block.trim());
}
