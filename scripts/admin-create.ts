/**
 * Makes the first administrator of a production install:
 *   npm run admin:create -- --login <login> --name <name> [--org-name 中华全国律师协会 --region 100000]
 * Creates the national association when the database has none, grants `admin` on it, and asks
 * for the password on standard input (or LECTERN_ADMIN_PASSWORD), never on the command line.
 * The work is server/staff/first-admin.ts (also written to the audit log); everything after it
 * (provinces, cities, firms, staff, roles) is done in the web app: README, "Production".
 */
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline/promises';
import path from 'node:path';
import { ConfigError, loadConfig } from '../server/config.ts';
import { openDatabase } from '../server/db/client.ts';
import { runMigrations } from '../server/db/migrate.ts';
import { createFirstAdmin, MIN_OPERATOR_PASSWORD } from '../server/staff/first-admin.ts';
import { LOGIN_PROBLEM_MESSAGES, loginProblem } from '../server/staff/logins.ts';

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
if (!values.login) fail('give --login (2–100 letters, digits, . _ @ -)');
const badLogin = loginProblem(values.login);
if (badLogin) fail(LOGIN_PROBLEM_MESSAGES[badLogin]);
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
  password = (await rl.question(`Password (${MIN_OPERATOR_PASSWORD} characters or more): `)).trim();
  rl.close();
}
if (password.length < MIN_OPERATOR_PASSWORD) fail(`the password must be at least ${MIN_OPERATOR_PASSWORD} characters`);

const database = await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite') });
try {
  await runMigrations(database);
  const outcome = await createFirstAdmin(database.db, { login: values.login, name: values.name, password, organizationName: values['org-name']!, regionCode: values.region! });
  switch (outcome.kind) {
    case 'created':
      console.log(JSON.stringify({ created: outcome.login, admin: outcome.organizationName }));
      break;
    case 'login_taken':
      fail(`a user named ${values.login} already exists`);
      break;
    case 'invalid_login':
      fail(LOGIN_PROBLEM_MESSAGES[outcome.reason]);
      break;
    case 'invalid_name':
      fail('give --name (1–100 characters)');
      break;
    case 'password_too_short':
      fail(`the password must be at least ${outcome.minimum} characters`);
      break;
    case 'invalid_region_code':
      fail('--region for the national association is 000000 or 100000');
      break;
  }
} finally {
  await database.close();
}
