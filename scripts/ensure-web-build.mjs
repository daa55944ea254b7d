// `npm start` builds the web app when web/dist is missing or older than its sources, so the
// two-command promise (`npm install && npm start`) holds on a fresh clone.
//
// A production install (`npm ci --omit=dev`) has no vite, a devDependency: it never builds and
// serves the web/dist that was built in a build stage and shipped with it (docs/operations.md,
// "Shipping"). Without web/dist and without vite it stops with a line that says what to do.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const built = path.join(root, 'web/dist/index.html');
const sourcesDir = path.join(root, 'web/src');
const vite = path.join(root, 'node_modules/vite/bin/vite.js');

function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** True when web/dist is missing, or older than the web sources next to it (a shipped build has none). */
export function webBuildIsStale() {
  if (!existsSync(built)) return true;
  if (!existsSync(sourcesDir)) return false;
  const sources = Math.max(newest(sourcesDir), statSync(path.join(root, 'web/index.html')).mtimeMs, existsSync(path.join(root, 'web/public')) ? newest(path.join(root, 'web/public')) : 0);
  return sources > statSync(built).mtimeMs;
}

/** Whether this install can build the web app (vite is a devDependency). */
export function canBuildWeb() {
  return existsSync(vite);
}

export function buildWeb() {
  console.log('Building the web app (web/dist)…');
  // Always the production build: the test runner sets NODE_ENV=test, and a build under it resolves
  // Svelte's development runtime (40.9 kB gzip on the entry path against 34.8), so the browser tests
  // and the bundle budget would measure something no one is served.
  const result = spawnSync(process.execPath, [vite, 'build', '--config', path.join(root, 'web/vite.config.ts'), '--logLevel', 'warn'], {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (result.status !== 0) {
    console.error('lectern: the web app did not build; see the errors above.');
    process.exit(result.status ?? 1);
  }
}

/** One JSON line with the time, like the transcoder's lines, for installs whose logs are collected. */
function logLine(level, msg) {
  const line = JSON.stringify({ level, time: new Date().toISOString(), msg });
  if (level === 'error') console.error(line);
  else console.warn(line);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (webBuildIsStale()) {
    if (canBuildWeb()) buildWeb();
    else if (existsSync(built)) {
      logLine('warn', 'lectern: web/dist is older than web/src and this install has no vite (devDependencies omitted): serving the web/dist that is there. Rebuild it with `npm run build` where devDependencies are installed.');
    } else {
      logLine('error', 'lectern: web/dist is missing and this install has no vite (devDependencies omitted), so the web app cannot be built here. Build it where devDependencies are installed (`npm ci && npm run build`) and copy web/dist into this install, or run `npm ci` with devDependencies (docs/operations.md, "Shipping").');
      process.exit(1);
    }
  }
}
