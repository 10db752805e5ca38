import { Connection } from '@temporalio/client';
import { ConfigError, loadConfig } from '../config/settings';
import { registerSearchAttributes, retryWhileNamespaceUnknown } from './lib/search-attributes';

async function main(): Promise<void> {
  const config = loadConfig();
  const connection = await Connection.connect({ address: config.temporalAddress });
  try {
    const added = await retryWhileNamespaceUnknown(
      () => registerSearchAttributes(connection, config.temporalNamespace),
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    console.log(
      added.length
        ? `registered search attributes ${added.join(', ')}`
        : 'search attributes already registered',
    );
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : (err as Error).message);
  process.exit(1);
});
