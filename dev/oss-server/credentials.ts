/** An access key pair the server accepts; any configured key may use any configured bucket. */
export interface Credential {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
}

export class CredentialStore {
  private readonly secrets = new Map<string, string>();

  constructor(credentials: readonly Credential[]) {
    for (const c of credentials) this.secrets.set(c.accessKeyId, c.accessKeySecret);
  }

  secretFor(accessKeyId: string): string | undefined {
    return this.secrets.get(accessKeyId);
  }
}
