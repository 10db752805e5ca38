import { Connection } from '@temporalio/client';
import { ConfigError, loadConfig } from '../config/settings';
import { registerSearchAttributes } from './lib/search-attributes';

async function main(): Promise<void> {
  const config = loadConfig();
  const connection = await Connection.connect({ address: config.temporalAddress });
  try {
    const added = await registerSearchAttributes(connection, config.temporalNamespace);
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
