// `npm start` builds the web app when web/dist is missing or older than its sources, so the
// two-command promise (`npm install && npm start`) holds on a fresh clone.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const built = path.join(root, 'web/dist/index.html');

function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export function webBuildIsStale() {
  if (!existsSync(built)) return true;
  const sources = Math.max(newest(path.join(root, 'web/src')), statSync(path.join(root, 'web/index.html')).mtimeMs, existsSync(path.join(root, 'web/public')) ? newest(path.join(root, 'web/public')) : 0);
  return sources > statSync(built).mtimeMs;
}

export function buildWeb() {
  console.log('Building the web app (web/dist)…');
  const result = spawnSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', path.join(root, 'web/vite.config.ts'), '--logLevel', 'warn'], { stdio: 'inherit', cwd: root });
  if (result.status !== 0) {
    console.error('lectern: the web app did not build; see the errors above.');
    process.exit(result.status ?? 1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (webBuildIsStale()) buildWeb();
}
