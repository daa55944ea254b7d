/**
 * Makes the first administrator of a production install:
 *   npm run admin:create -- --login <login> --name <name> [--org-name 中华全国律师协会 --region 100000]
 * Creates the national association when the database has none, grants `admin` on it, and asks
 * for the password on standard input (or LECTERN_ADMIN_PASSWORD), never on the command line.
 */
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline/promises';
import { isNull } from 'drizzle-orm';
import { ConfigError, loadConfig } from '../server/config.ts';
import { openDatabase } from '../server/db/client.ts';
import { runMigrations } from '../server/db/migrate.ts';
import { organizations } from '../server/db/schema/index.ts';
import { AuthRepository } from '../server/auth/repository.ts';
import { AuthService } from '../server/auth/service.ts';
import { OrganizationsRepository } from '../server/organizations/repository.ts';
import path from 'node:path';

function fail(message: string): never {
  console.error(`admin:create: ${message}`);
  process.exit(1);
}

const { values } = parseArgs({
  options: {
    login: { type: 'string' },
    name: { type: 'string' },
    'org-name': { type: 'string', default: '中华全国律师协会' },
    region: { type: 'string', default: '100000' },
  },
});
if (!values.login || !/^[\w.@-]{2,100}$/.test(values.login)) fail('give --login (2–100 letters, digits, . _ @ -)');
if (!values.name) fail('give --name');

let config;
try {
  config = loadConfig();
} catch (err) {
  fail(err instanceof ConfigError ? err.message : String(err));
}

let password = process.env.LECTERN_ADMIN_PASSWORD ?? '';
if (!password) {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  password = (await rl.question('Password (12 characters or more): ')).trim();
  rl.close();
}
if (password.length < 12) fail('the password must be at least 12 characters');

const database = await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite') });
try {
  await runMigrations(database);
  await database.db.transaction(async (tx) => {
    const auth = new AuthRepository(tx);
    if (await auth.findUserByLogin(values.login!)) fail(`a user named ${values.login} already exists`);
    const [root] = await tx.select().from(organizations).where(isNull(organizations.parentId));
    const national = root ?? (await new OrganizationsRepository(tx).insert({ kind: 'national', name: values['org-name']!, regionCode: values.region! }));
    const user = await new AuthService(auth, { attemptsPerMinute: 10 }).createUser({ login: values.login!, name: values.name!, password, organizationId: national.id });
    await auth.grantRole(user.id, national.id, 'admin');
    console.log(JSON.stringify({ created: user.login, admin: national.name }));
  });
} finally {
  await database.close();
}
