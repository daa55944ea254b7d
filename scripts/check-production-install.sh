#!/usr/bin/env bash
# Proves the production install path without Docker: the Dockerfile's steps in sequence, in
# temporary folders (docs/operations.md, "Shipping").
#
#   1. build stage: a clean copy of the sources, `npm ci`, `npm run build` (web/dist)
#   2. runtime stage: a fresh folder with package.json, package-lock.json and patches/ only,
#      `npm ci --omit=dev`, then the sources the image copies and web/dist from the build stage
#   3. `npm start` on a free port, embedded database in a fresh DATA_DIR: /api/health must answer
#      200; then stopped
#   4. the image's command, `node --import tsx server/main.ts`, the same way; one SIGTERM must stop
#      it cleanly (exit 0)
#
# Usage: scripts/check-production-install.sh [git-ref | --worktree]
#   git-ref     the commit to check (default HEAD; uncommitted changes are not in it)
#   --worktree  the working tree as it is (without node_modules, data, web/dist, .git)
# Downloads packages (npm's cache makes a second run faster), so it is not part of `npm test`.
# Environment variables are passed to the server (e.g. SEED_DEMO=false). KEEP=1 keeps the folders.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source_ref=${1:-HEAD}
work=$(mktemp -d "${TMPDIR:-/tmp}/lectern-production-install.XXXXXX")
build="$work/build"
app="$work/app"
server_pid=""

log() { printf '[check-production-install %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
fail() { log "FAILED: $*"; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL -- "-$server_pid" 2>/dev/null || true; fi
  if [[ "${KEEP:-}" == 1 ]]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() { node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })"; }

# Waits until GET $1 answers 200, or the process $2 exits, or 180 s pass.
wait_healthy() {
  node -e '
    const [url, pid] = process.argv.slice(1);
    const deadline = Date.now() + 180_000;
    const alive = () => { try { process.kill(Number(pid), 0); return true; } catch { return false; } };
    (async () => {
      for (;;) {
        const status = await fetch(url).then((r) => r.status, () => 0);
        if (status === 200) return process.exit(0);
        if (!alive()) { console.error(`the server exited (last status ${status})`); return process.exit(1); }
        if (Date.now() > deadline) { console.error(`no 200 in 180 s (last status ${status})`); return process.exit(1); }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();' "$1" "$2"
}

log "work folder: $work"
mkdir -p "$build" "$app"

# 1. build stage ------------------------------------------------------------------------------
if [[ "$source_ref" == --worktree ]]; then
  log "source: the working tree of $repo"
  tar -C "$repo" --exclude=./node_modules --exclude=./data --exclude=./web/dist --exclude=./.git -cf - . | tar -C "$build" -xf -
else
  log "source: $source_ref ($(git -C "$repo" rev-parse --short "$source_ref"))"
  git -C "$repo" archive "$source_ref" | tar -C "$build" -xf -
fi
t=$(now)
(cd "$build" && npm ci --no-audit --no-fund) > "$work/build-npm-ci.log" 2>&1 || { tail -40 "$work/build-npm-ci.log"; fail "build stage: npm ci"; }
build_ci_s=$(since "$t")
if grep -qi '^npm warn' "$work/build-npm-ci.log"; then grep -i '^npm warn' "$work/build-npm-ci.log"; fail "npm ci warned (engines, install scripts, …) on Node $(node --version), npm $(npm --version)"; fi
t=$(now)
(cd "$build" && npm run build) > "$work/build-web.log" 2>&1 || { tail -40 "$work/build-web.log"; fail "build stage: npm run build"; }
build_web_s=$(since "$t")
[[ -f "$build/web/dist/index.html" ]] || fail "build stage: no web/dist/index.html"
log "build stage: npm ci ${build_ci_s} s, npm run build ${build_web_s} s"

# 2. runtime stage ----------------------------------------------------------------------------
cp "$build/package.json" "$build/package-lock.json" "$app/"
cp -R "$build/patches" "$app/patches"
t=$(now)
(cd "$app" && NODE_ENV=production npm ci --omit=dev --no-audit --no-fund) > "$work/app-npm-ci.log" 2>&1 || { tail -40 "$work/app-npm-ci.log"; fail "runtime stage: npm ci --omit=dev"; }
app_ci_s=$(since "$t")
if grep -qi '^npm warn' "$work/app-npm-ci.log"; then grep -i '^npm warn' "$work/app-npm-ci.log"; fail "npm ci --omit=dev warned (engines, install scripts, …)"; fi
for dev in vite svelte typescript vitest; do
  [[ ! -e "$app/node_modules/$dev" ]] || fail "runtime stage: devDependency $dev is installed"
done
cp "$build/tsconfig.json" "$app/"
cp -R "$build/server" "$build/transcoder" "$build/migrations" "$build/scripts" "$app/"
# without web/dist, a production install says what to do instead of trying to build
if (cd "$app" && node scripts/ensure-web-build.mjs) > "$work/no-dist.log" 2>&1; then fail "npm start's web check passed without web/dist and without vite"; fi
grep -q 'web/dist is missing' "$work/no-dist.log" || { cat "$work/no-dist.log"; fail "no clear message without web/dist"; }
mkdir -p "$app/web"
cp -R "$build/web/dist" "$app/web/dist"
app_mb=$(du -sm "$app/node_modules" | cut -f1)
build_mb=$(du -sm "$build/node_modules" | cut -f1)
app_packages=$(cd "$app" && npm ls --omit=dev --all --parseable 2>/dev/null | tail -n +2 | sort -u | wc -l)
log "runtime stage: npm ci --omit=dev ${app_ci_s} s; node_modules ${app_mb} MB (${app_packages} packages); the build stage's ${build_mb} MB"

# 3. npm start --------------------------------------------------------------------------------
port=$(free_port)
log "npm start on port $port (embedded database in a fresh DATA_DIR)"
t=$(now)
(cd "$app" && exec setsid env DATA_DIR="$work/data-npm-start" HOST=127.0.0.1 PORT="$port" npm start) > "$work/npm-start.log" 2>&1 &
server_pid=$!
wait_healthy "http://127.0.0.1:$port/api/health" "$server_pid" || { tail -40 "$work/npm-start.log"; fail "npm start: /api/health"; }
start_s=$(since "$t")
page=$(node -e "fetch('http://127.0.0.1:$port/').then((r) => console.log(r.status, r.headers.get('content-type')))")
[[ "$page" == "200 text/html"* ]] || fail "npm start: GET / answered $page, not the web app"
log "npm start: /api/health 200 after ${start_s} s; GET / → $page"
# npm, sh, tsx and node form one process group; stop it as Ctrl-C in a terminal does
kill -INT -- "-$server_pid" 2>/dev/null || true
status=0
wait "$server_pid" || status=$?
server_pid=""
log "npm start: stopped (SIGINT to its process group), exit status $status"

# 4. the image's command ----------------------------------------------------------------------
port=$(free_port)
log "node --import tsx server/main.ts on port $port"
t=$(now)
(cd "$app" && exec setsid env DATA_DIR="$work/data-cmd" HOST=127.0.0.1 PORT="$port" node --import tsx server/main.ts) > "$work/cmd.log" 2>&1 &
server_pid=$!
wait_healthy "http://127.0.0.1:$port/api/health" "$server_pid" || { tail -40 "$work/cmd.log"; fail "image command: /api/health"; }
cmd_s=$(since "$t")
t=$(now)
kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
stop_s=$(since "$t")
server_pid=""
[[ "$status" == 0 ]] || { tail -20 "$work/cmd.log"; fail "image command: exit status $status after SIGTERM"; }
grep -q 'SIGTERM: shutting down' "$work/cmd.log" || { tail -20 "$work/cmd.log"; fail "image command: no graceful shutdown line"; }
log "image command: /api/health 200 after ${cmd_s} s; SIGTERM → exit 0 in ${stop_s} s"

log "OK (Node $(node --version), npm $(npm --version)): build stage npm ci ${build_ci_s} s + build ${build_web_s} s; npm ci --omit=dev ${app_ci_s} s, node_modules ${app_mb} MB (build stage ${build_mb} MB); healthy after ${start_s} s (npm start), ${cmd_s} s (image command)"
