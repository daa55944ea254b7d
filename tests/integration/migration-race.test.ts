/**
 * Replicas that start together must not race on migrations (issue 10): five rounds, each on a
 * fresh, empty PostgreSQL database, start two real OS processes (tests/helpers/migrate-process.ts,
 * which calls the same runMigrations as server start-up), wait until both have their database
 * open, release them at the same moment, and require both to exit 0 and the schema to be exactly
 * what one migration alone makes. Without the advisory lock in server/db/migrate.ts one of the two
 * dies on `CREATE TYPE … duplicate key` (or `CREATE SCHEMA`) most rounds.
 *
 * PGlite is one process's database, so it has nothing to race; it is checked for a plain re-run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../server/db/client.ts';
import { migrationsFolder, runMigrations } from '../../server/db/migrate.ts';
import { rowsOf } from '../../server/db/rows.ts';

const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules/tsx/dist/cli.mjs');
const script = path.join(root, 'tests/helpers/migrate-process.ts');
const adminUrl = process.env.DATABASE_URL;
if (!adminUrl) console.warn('[tests] skipped: migration-race needs PostgreSQL (DATABASE_URL); PGlite is one process and has nothing to race.');

const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as { entries: unknown[] };

let admin: postgres.Sql;
const created: string[] = [];

function urlOf(name: string): string {
  const url = new URL(adminUrl!);
  url.pathname = `/${name}`;
  return url.toString();
}

async function emptyDatabase(): Promise<string> {
  const name = `lectern_t_race_${randomBytes(5).toString('hex')}`;
  await admin.unsafe(`CREATE DATABASE ${name}`);
  created.push(name);
  return name;
}

/** Everything the migrations make, as comparable text: tables and columns, types, indexes, constraints. */
async function schemaOf(name: string): Promise<{ catalog: string[]; applied: number }> {
  const db = postgres(urlOf(name), { max: 1, onnotice: () => {} });
  try {
    const columns = await db`SELECT table_schema || '.' || table_name || '.' || column_name || ':' || data_type || ':' || is_nullable AS x
      FROM information_schema.columns WHERE table_schema IN ('public', 'drizzle') ORDER BY 1`;
    const types = await db`SELECT 'type ' || t.typname || ':' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS x
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname ORDER BY 1`;
    const indexes = await db`SELECT 'index ' || indexdef AS x FROM pg_indexes WHERE schemaname IN ('public', 'drizzle') ORDER BY 1`;
    const constraints = await db`SELECT 'constraint ' || conrelid::regclass::text || '.' || conname || ':' || pg_get_constraintdef(oid) AS x
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1`;
    const triggers = await db`SELECT 'trigger ' || tgrelid::regclass::text || '.' || tgname AS x FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`;
    const [{ n }] = (await db`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`) as unknown as [{ n: number }];
    return { catalog: [...columns, ...types, ...indexes, ...constraints, ...triggers].map((r) => r.x as string), applied: n };
  } finally {
    await db.end();
  }
}

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A migrating process, stopped at its barrier once it prints `ready`. */
function startMigrator(url: string): { child: ChildProcess; ready: Promise<void>; exited: Promise<Outcome> } {
  const child = spawn(process.execPath, [tsx, script, url], { cwd: root, env: { PATH: process.env.PATH }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<Outcome>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  const ready = new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      stdout += `${line}\n`;
      if (line === 'ready') resolve();
    });
    void exited.then((o) => reject(new Error(`the migrator exited (${o.code ?? o.signal}) before it was ready: ${o.stderr.slice(-2000)}`)));
  });
  ready.catch(() => {});
  return { child, ready, exited };
}

describe.skipIf(!adminUrl)('migrations from two processes at once (PostgreSQL)', () => {
  let reference: { catalog: string[]; applied: number };

  beforeAll(async () => {
    admin = postgres(adminUrl!, { max: 1, onnotice: () => {} });
    // The schema one process makes alone, to compare every raced database against.
    const name = await emptyDatabase();
    const alone = startMigrator(urlOf(name));
    await alone.ready;
    alone.child.stdin!.end('go\n');
    const outcome = await alone.exited;
    expect(outcome.code, outcome.stderr).toBe(0);
    reference = await schemaOf(name);
    expect(reference.applied).toBe(journal.entries.length);
    expect(reference.catalog.length).toBeGreaterThan(100);
  });

  afterAll(async () => {
    if (!admin) return;
    for (const name of created) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('five rounds on an empty database: both processes succeed every round and the schema is complete', async () => {
    const waits: boolean[] = [];
    for (let round = 1; round <= 5; round++) {
      const name = await emptyDatabase();
      const pair = [startMigrator(urlOf(name)), startMigrator(urlOf(name))];
      await Promise.all(pair.map((p) => p.ready));
      // Both have their connections open: release them together.
      for (const p of pair) p.child.stdin!.end('go\n');
      const outcomes = await Promise.all(pair.map((p) => p.exited));
      for (const [i, o] of outcomes.entries()) {
        expect({ round, process: i + 1, code: o.code, signal: o.signal, stderr: o.stderr.trim() }).toEqual({ round, process: i + 1, code: 0, signal: null, stderr: '' });
        const result = JSON.parse(o.stdout.trim().split('\n').pop()!) as { migrated: boolean; waited: boolean };
        expect(result.migrated).toBe(true);
        waits.push(result.waited);
      }
      const schema = await schemaOf(name);
      expect(schema.applied, `round ${round}: migrations recorded once each`).toBe(journal.entries.length);
      expect(schema.catalog, `round ${round}: the same schema as one migration alone`).toEqual(reference.catalog);
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      created.splice(created.indexOf(name), 1);
    }
    console.log(`[migration-race] 5 rounds × 2 processes: all exited 0; ${waits.filter(Boolean).length} of 10 waited for the other's lock`);
  }, 300_000);
});

describe('migrations on PGlite', () => {
  it('needs no lock (one process) and a second run finds nothing to do', async () => {
    const database = await openDatabase({ pgliteDir: 'memory://' });
    try {
      await runMigrations(database);
      await runMigrations(database);
      const [row] = rowsOf<{ n: number }>(await database.db.execute(sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`));
      expect(row!.n).toBe(journal.entries.length);
    } finally {
      await database.close();
    }
  });
});
