/**
 * One process migrating a PostgreSQL database, for tests/integration/migration-race.test.ts.
 * Run with `tsx tests/helpers/migrate-process.ts <databaseUrl>`. It opens the database the way
 * the server does, prints `ready`, waits for a line on stdin (so two processes can be released at
 * the same moment), runs the same `runMigrations` that server start-up runs, prints one JSON line
 * `{"migrated":true,"waited":boolean}` and exits 0. Any failure: the message on stderr, exit 1.
 */
import { createInterface } from 'node:readline';
import { openDatabase } from '../../server/db/client.ts';
import { runMigrations } from '../../server/db/migrate.ts';

const databaseUrl = process.argv[2];
if (!databaseUrl) {
  console.error('usage: tsx tests/helpers/migrate-process.ts <databaseUrl>');
  process.exit(2);
}

try {
  const database = await openDatabase({ databaseUrl, maxConnections: 4 });
  const lines = createInterface({ input: process.stdin });
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  lines.close();
  let waited = false;
  await runMigrations(database, { onWait: () => (waited = true) });
  await database.close();
  process.stdout.write(`${JSON.stringify({ migrated: true, waited })}\n`);
  process.exit(0);
} catch (err) {
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  console.error(`${err instanceof Error ? err.message : String(err)}${cause}`);
  process.exit(1);
}
