import { retryWhileNamespaceUnknown } from '../../../scripts/lib/search-attributes';

/** What @temporalio/client rejects with when the frontend answers a gRPC status. */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

describe('retryWhileNamespaceUnknown', () => {
  const clock = () => {
    let t = 0;
    const slept: number[] = [];
    return {
      slept,
      now: () => t,
      sleep: async (ms: number) => {
        slept.push(ms);
        t += ms;
      },
    };
  };

  it('tries again while the namespace is not found, and answers what the first success answers', async () => {
    const c = clock();
    let calls = 0;
    const result = await retryWhileNamespaceUnknown(
      async () => {
        if (++calls < 3) throw grpcError(5, 'Namespace default is not found.');
        return ['JimengProjectId'];
      },
      { timeoutMs: 10_000, intervalMs: 1_000, now: c.now, sleep: c.sleep },
    );
    expect(result).toEqual(['JimengProjectId']);
    expect(c.slept).toEqual([1_000, 1_000]);
  });

  it('gives up with the not-found error once the time is up', async () => {
    const c = clock();
    const notFound = grpcError(5, 'Namespace default is not found.');
    await expect(
      retryWhileNamespaceUnknown(
        async () => {
          throw notFound;
        },
        { timeoutMs: 3_000, intervalMs: 1_000, now: c.now, sleep: c.sleep },
      ),
    ).rejects.toBe(notFound);
    expect(c.slept).toEqual([1_000, 1_000, 1_000]);
  });

  it('does not retry any other failure', async () => {
    const c = clock();
    const wrongType = new Error(
      'search attribute JimengModel exists with another type (2), expected KEYWORD',
    );
    const unavailable = grpcError(14, 'connection refused');
    for (const err of [wrongType, unavailable]) {
      await expect(
        retryWhileNamespaceUnknown(
          async () => {
            throw err;
          },
          { timeoutMs: 10_000, intervalMs: 1_000, now: c.now, sleep: c.sleep },
        ),
      ).rejects.toBe(err);
    }
    expect(c.slept).toEqual([]);
  });
});
