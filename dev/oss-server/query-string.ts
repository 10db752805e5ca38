/**
 * The query string exactly as sent. URLSearchParams is not used: it turns '+' into a space, while OSS
 * clients percent-encode everything and a literal '+' is part of the value (signatures are base64).
 */
export class QueryString {
  private readonly values = new Map<string, string>();

  constructor(raw: string) {
    for (const part of raw.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const name = decodeURIComponent(eq === -1 ? part : part.slice(0, eq));
      const value = eq === -1 ? '' : decodeURIComponent(part.slice(eq + 1));
      // First occurrence wins, so a parameter cannot be overridden by appending a duplicate to a signed URL.
      if (!this.values.has(name)) this.values.set(name, value);
    }
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  entries(): Array<[string, string]> {
    return [...this.values.entries()];
  }
}
