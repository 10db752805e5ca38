/**
 * A region of a document that a script renders from the code, between a begin and an end marker (README's
 * failure and timeout tables): found, and replaced by a new rendering.
 */
export interface GeneratedRegion {
  readonly begin: string;
  readonly end: string;
  readonly render: () => string;
}

/** The region as it stands in `text`, markers included; undefined when the markers are missing. */
export function regionIn(text: string, region: GeneratedRegion): string | undefined {
  const begin = text.indexOf(region.begin);
  const end = text.indexOf(region.end, begin);
  if (begin < 0 || end < 0) return undefined;
  return text.slice(begin, end + region.end.length);
}

/** `text` with the region replaced by its current rendering. */
export function withRegion(text: string, region: GeneratedRegion): string {
  const current = regionIn(text, region);
  if (current === undefined) throw new Error(`the document has no ${region.begin} … ${region.end} region`);
  return text.replace(current, () => region.render());
}
