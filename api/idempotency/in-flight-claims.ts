/**
 * The Idempotency-Key claims of the requests this process is running. When the shutdown deadline cuts those
 * requests (api/http/graceful-shutdown.ts), the process lets their claims go: the clients get no answer, and
 * their retries must run again rather than meet a claim nobody will settle (a 409 until it times out).
 */
export class InFlightClaims {
  private readonly releases = new Set<() => Promise<void>>();

  get size(): number {
    return this.releases.size;
  }

  /** Tracks a claim until the returned function is called (its request settled it). */
  track(release: () => Promise<void>): () => void {
    this.releases.add(release);
    return () => this.releases.delete(release);
  }

  /** Lets every tracked claim go; how many there were. A release that fails leaves its claim to time out. */
  async releaseAll(): Promise<number> {
    const all = [...this.releases];
    this.releases.clear();
    await Promise.allSettled(all.map((release) => release()));
    return all.length;
  }
}
