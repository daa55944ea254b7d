/**
 * `npm run bench:slowline` — the player on a slow line, in headless Chromium against the real
 * server (embedded PGlite, web app served) with a real transcoded lecture of 3 minutes.
 *
 * For each line profile (CDP Network.emulateNetworkConditions: 128 kbit/s + 300 ms, 256 kbit/s +
 * 150 ms) in a fresh browser context:
 *   1. warm-up visit on the same throttled line by another lawyer of the same device: the service
 *      worker installs and keeps the shell and the player chunks, the player remembers the line's
 *      bandwidth (as on a real repeat visit);
 *   2. the HTTP cache is cleared (so no media comes from it; the service worker's cache stays),
 *      the measured lawyer opens the lecture from the start;
 *   3. measured: time from navigation to the first 'playing' event and to the first decoded frame
 *      (requestVideoFrameCallback), stalls ('waiting' after playback began, with durations), and
 *      bytes over the network during the first PLAY_SECONDS of playback, split shell / API / media.
 * Beside it, the physical lower bound for the first frame: the bytes the lowest rendition needs
 * before its first frame (playlists, init segments, first video and audio segments, read from the
 * package on disk) ÷ bandwidth + the round trips that cannot overlap (session, master playlist,
 * media playlists, first segments).
 *
 * Prints a table and writes the "## Slow line" section of docs/benchmarks.md (others kept).
 * Options: --seconds N (lecture length, default 180), --play N (seconds measured, default 150),
 * --listening audio (the audio-only mode: <audio> and the light hls.js build; default video),
 * --cold (a first visit instead: no warm-up, no remembered line speed, the service worker blocked;
 * the lawyer signs in through the API from a JSON page, so the shell crosses the line in the
 * measured visit), --no-docs.
 */
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { launchBrowser, logInWithoutApp } from '../tests/helpers/browser.ts';
import { startTestServer, type TestServer } from '../tests/helpers/server.ts';
import { eq } from 'drizzle-orm';
import { lectureProgress } from '../server/db/schema/index.ts';
// @ts-expect-error plain ESM helper without types
import { buildWeb, webBuildIsStale } from '../scripts/ensure-web-build.mjs';
import { readyDemoLecture, type ReadyLecture } from './slowline-lecture.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] ? Number(args[index + 1]) : fallback;
};
const LECTURE_SECONDS = option('seconds', 180);
const PLAY_SECONDS = option('play', 150);
const ONLY = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const WRITE_DOCS = !args.includes('--no-docs');
const TRACE = args.includes('--trace');
const COLD = args.includes('--cold');
const LISTENING = (args.includes('--listening') ? args[args.indexOf('--listening') + 1] : undefined) ?? 'video';

interface Profile {
  name: string;
  kbps: number;
  latencyMs: number;
}
const PROFILES: Profile[] = [
  { name: '128 kbit/s + 300 ms', kbps: 128, latencyMs: 300 },
  { name: '256 kbit/s + 150 ms', kbps: 256, latencyMs: 150 },
];

interface Result {
  profile: Profile;
  firstPlayingMs: number | null;
  firstFrameMs: number | null;
  stalls: number;
  stallSeconds: number;
  bytes: { shell: number; api: number; media: number; total: number };
  playedSeconds: number;
  heights: number[];
  lowerBoundMs: number;
  firstFrameBytes: number;
}

const log = (line: string): void => console.log(`[slowline] ${line}`);

// Installed in every page before its scripts: records the media events of whatever element plays.
const PROBE = `
  window.__bench = { playing: null, frame: null, waits: [], heights: [] };
  const now = () => performance.now();
  document.addEventListener('playing', () => {
    const b = window.__bench;
    if (b.playing === null) b.playing = now();
    const last = b.waits[b.waits.length - 1];
    if (last && last.end === null) last.end = now();
  }, true);
  document.addEventListener('waiting', (event) => {
    const b = window.__bench;
    if (b.playing !== null) b.waits.push({ start: now(), end: null, at: event.target.currentTime });
  }, true);
  document.addEventListener('resize', (event) => {
    const v = event.target;
    if (v && v.videoHeight && !window.__bench.heights.includes(v.videoHeight)) window.__bench.heights.push(v.videoHeight);
  }, true);
  document.addEventListener('loadedmetadata', (event) => {
    const v = event.target;
    if (v && typeof v.requestVideoFrameCallback === 'function') {
      v.requestVideoFrameCallback(() => { if (window.__bench.frame === null) window.__bench.frame = now(); });
    }
  }, true);
`;

interface ByteCounter {
  reset(): void;
  totals(): { shell: number; api: number; media: number; total: number };
}

/** Sums bytes that crossed the (emulated) network, per kind; cache and service-worker hits cost 0. */
function countBytes(cdp: CDPSession): ByteCounter {
  const urls = new Map<string, string>();
  const cached = new Set<string>();
  let totals = { shell: 0, api: 0, media: 0, total: 0 };
  cdp.on('Network.requestWillBeSent', (event: { requestId: string; request: { url: string } }) => urls.set(event.requestId, event.request.url));
  cdp.on('Network.responseReceived', (event: { requestId: string; response: { fromServiceWorker?: boolean; fromDiskCache?: boolean; fromPrefetchCache?: boolean } }) => {
    const r = event.response;
    if (r.fromServiceWorker || r.fromDiskCache || r.fromPrefetchCache) cached.add(event.requestId);
  });
  cdp.on('Network.loadingFinished', (event: { requestId: string; encodedDataLength: number }) => {
    const url = urls.get(event.requestId) ?? '';
    if (cached.has(event.requestId)) return;
    const bytes = event.encodedDataLength;
    const kind = url.includes('/api/media/') ? 'media' : url.includes('/api/') ? 'api' : 'shell';
    totals[kind] += bytes;
    totals.total += bytes;
  });
  return {
    reset: () => {
      totals = { shell: 0, api: 0, media: 0, total: 0 };
    },
    totals: () => ({ ...totals }),
  };
}

async function throttle(cdp: CDPSession, profile: Profile | null): Promise<void> {
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: profile ? profile.latencyMs : 0,
    downloadThroughput: profile ? (profile.kbps * 1000) / 8 : -1,
    uploadThroughput: profile ? (profile.kbps * 1000) / 8 : -1,
  });
}

async function signIn(page: Page, baseUrl: string, login: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('lectern-demo');
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL(/\/courses/);
}

/** Bytes the lowest rendition needs before its first frame, from the package on disk (parts in `parts`). */
async function firstFrameBytes(lecture: ReadyLecture, parts: Record<string, number> = {}): Promise<number> {
  const dir = lecture.packageDir;
  const master = await readFile(path.join(dir, 'master.m3u8'), 'utf8');
  let total = Buffer.byteLength(master);
  // The lowest video rendition: the first STREAM-INF with the smallest BANDWIDTH.
  const variants = [...master.matchAll(/#EXT-X-STREAM-INF:([^\n]*)\n([^\n]+)/g)].map((m) => ({ bandwidth: Number(/BANDWIDTH=(\d+)/.exec(m[1] ?? '')?.[1] ?? 0), uri: (m[2] ?? '').trim() }));
  variants.sort((a, b) => a.bandwidth - b.bandwidth);
  const audioUri = /#EXT-X-MEDIA:[^\n]*TYPE=AUDIO[^\n]*URI="([^"]+)"/.exec(master)?.[1];
  for (const uri of [variants[0]?.uri, audioUri]) {
    if (!uri) continue;
    const playlistPath = path.join(dir, uri);
    const playlist = await readFile(playlistPath, 'utf8');
    total += Buffer.byteLength(playlist);
    const init = /#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)?.[1];
    const firstSegment = playlist.split('\n').find((line) => line && !line.startsWith('#'));
    for (const file of [init, firstSegment]) {
      if (!file) continue;
      const size = (await stat(path.join(path.dirname(playlistPath), file))).size;
      parts[`${path.dirname(uri)}/${file}`] = size;
      total += size;
    }
  }
  return total;
}

async function measure(context: BrowserContext, server: TestServer, lecture: ReadyLecture, profile: Profile, lowerBound: { bytes: number }): Promise<Result> {
  const baseUrl = server.baseUrl;
  await context.addInitScript(PROBE);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const lectureUrl = `${baseUrl}/lectures/${lecture.lectureId}`;

  if (COLD) {
    // A first visit: signed in without loading the app.
    if ((await logInWithoutApp(page, baseUrl, 'lawyer')) !== 200) throw new Error('the demo lawyer could not sign in');
    await page.evaluate((mode) => localStorage.setItem('lectern.player.listening', mode), LISTENING);
    await cdp.send('Network.clearBrowserCache');
  } else await warmUp(page, cdp, baseUrl, lectureUrl, profile);
  return measured(page, cdp, server, lecture, profile, lowerBound, lectureUrl);
}

/**
 * Another lawyer on this device, same line: the shell and the player chunk go into the service
 * worker's cache, and the line's bandwidth into local storage; then the measured lawyer signs in.
 */
async function warmUp(page: Page, cdp: CDPSession, baseUrl: string, lectureUrl: string, profile: Profile): Promise<void> {
  await signIn(page, baseUrl, 'lawyer2');
  // The device's listening mode, for both visits (local storage is the device's, not the lawyer's).
  await page.evaluate((mode) => localStorage.setItem('lectern.player.listening', mode), LISTENING);
  await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, { timeout: 30_000 }).catch(() => log('warning: no service worker controls the page'));
  await throttle(cdp, profile);
  log(`${profile.name}: warm-up visit…`);
  await page.goto(lectureUrl);
  await page.waitForFunction(() => (window as unknown as { __bench: { playing: number | null } }).__bench.playing !== null, undefined, { timeout: 180_000 });
  await page.waitForTimeout(20_000); // long enough for hls.js to measure the line
  await page.goto('about:blank');
  await throttle(cdp, null);
  await page.goto(`${baseUrl}/verify/-`);
  await page.evaluate(() => fetch('/api/auth/logout', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
  await signIn(page, baseUrl, 'lawyer');
  const remembered = await page.evaluate(() => localStorage.getItem('lectern.player.bandwidth'));
  log(`${profile.name}: remembered bandwidth ${remembered}`);
  await page.goto('about:blank');
  await cdp.send('Network.clearBrowserCache');
}

async function measured(page: Page, cdp: CDPSession, server: TestServer, lecture: ReadyLecture, profile: Profile, lowerBound: { bytes: number }, lectureUrl: string): Promise<Result> {
  const baseUrl = server.baseUrl;
  // 2. The measured visit, from the start of the lecture (no resume point from an earlier run).
  await server.deps.db.delete(lectureProgress).where(eq(lectureProgress.lectureId, lecture.lectureId));
  const bytes = countBytes(cdp);
  const trace: string[] = [];
  let navigationStart = Date.now();
  if (TRACE) {
    const started = new Map<string, number>();
    cdp.on('Network.requestWillBeSent', (event: { requestId: string; request: { url: string } }) => {
      started.set(event.requestId, Date.now() - navigationStart);
    });
    cdp.on('Network.loadingFinished', (event: { requestId: string; encodedDataLength: number }) => {
      const at = Date.now() - navigationStart;
      if (at < 20_000) trace.push(`${String(started.get(event.requestId) ?? -1).padStart(6)} → ${String(at).padStart(6)} ms ${String(event.encodedDataLength).padStart(7)} B ${event.requestId}`);
    });
    cdp.on('Network.requestWillBeSent', (event: { requestId: string; request: { url: string } }) => {
      if (Date.now() - navigationStart < 20_000) trace.push(`                         ${event.requestId} = ${event.request.url.replace(baseUrl, '').replace(/\/api\/media\/[^/]+\/[^/]+\/lectures\/[^/]+\/[^/]+/, '/media…')}`);
    });
  }
  await throttle(cdp, profile);
  bytes.reset();
  log(`${profile.name}: measured visit…`);
  navigationStart = Date.now();
  await page.goto(lectureUrl);
  await page.waitForFunction(() => (window as unknown as { __bench: { playing: number | null } }).__bench.playing !== null, undefined, { timeout: 180_000 });
  const startedAt = Date.now();
  while (Date.now() - startedAt < PLAY_SECONDS * 1000) {
    await page.waitForTimeout(5000);
    const ended = await page.evaluate(() => (document.querySelector('video, audio') as HTMLMediaElement | null)?.ended ?? false);
    if (ended) break;
  }
  const probe = await page.evaluate(() => {
    const b = (window as unknown as { __bench: { playing: number | null; frame: number | null; waits: { start: number; end: number | null; at: number }[]; heights: number[] } }).__bench;
    const media = document.querySelector('video, audio') as HTMLMediaElement | null;
    return { ...b, now: performance.now(), position: media?.currentTime ?? 0 };
  });
  const totals = bytes.totals();
  if (probe.waits.length > 0) log(`${profile.name}: stalls at ${probe.waits.map((w) => `${(w.start / 1000).toFixed(2)}–${w.end === null ? "end" : (w.end / 1000).toFixed(2)} s (media ${w.at.toFixed(2)} s)`).join(', ')} (from navigation; first frame ${((probe.frame ?? 0) / 1000).toFixed(2)} s)`);
  if (TRACE) console.log(trace.join('\n'));
  await throttle(cdp, null);
  await page.close();
  const stallSeconds = probe.waits.reduce((sum, wait) => sum + ((wait.end ?? probe.now) - wait.start) / 1000, 0);
  const bandwidthBytesPerMs = (profile.kbps * 1000) / 8 / 1000;
  return {
    profile,
    firstPlayingMs: probe.playing,
    firstFrameMs: probe.frame,
    stalls: probe.waits.length,
    stallSeconds,
    bytes: totals,
    playedSeconds: probe.position,
    heights: probe.heights,
    firstFrameBytes: lowerBound.bytes,
    lowerBoundMs: lowerBound.bytes / bandwidthBytesPerMs + 4 * profile.latencyMs,
  };
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KB`;
}
function seconds(ms: number | null): string {
  return ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`;
}

function table(results: Result[]): string {
  const lines = [
    '| line | first frame | first `playing` | lower bound | stalls (total) | played | bytes: media / API / shell | renditions seen |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.profile.name} | ${seconds(r.firstFrameMs)} | ${seconds(r.firstPlayingMs)} | ${seconds(r.lowerBoundMs)} | ${r.stalls} (${r.stallSeconds.toFixed(1)} s) | ${r.playedSeconds.toFixed(0)} s | ${kb(r.bytes.media)} / ${kb(r.bytes.api)} / ${kb(r.bytes.shell)} | ${r.heights.map((h) => `${h}p`).join(', ') || '—'} |`,
    );
  }
  return lines.join('\n');
}

async function writeDocs(body: string): Promise<void> {
  const file = path.join(root, 'docs', 'benchmarks.md');
  const existing = existsSync(file) ? await readFile(file, 'utf8') : '# Benchmarks\n';
  const section = `## Slow line\n\n${body.trim()}\n`;
  const start = existing.search(/^## Slow line\s*$/m);
  let next: string;
  if (start === -1) {
    next = `${existing.trimEnd()}\n\n${section}`;
  } else {
    const rest = existing.slice(start + 1);
    const endOffset = rest.search(/^## /m);
    const end = endOffset === -1 ? existing.length : start + 1 + endOffset;
    next = `${existing.slice(0, start)}${section}${endOffset === -1 ? '' : `\n${existing.slice(end)}`}`;
  }
  await writeFile(file, `${next.trimEnd()}\n`);
}

async function main(): Promise<void> {
  if ((webBuildIsStale as () => boolean)()) (buildWeb as () => void)();
  const loadBefore = os.loadavg()[0]!;
  const server = await startTestServer({ serveWeb: true });
  const browser = await launchBrowser();
  try {
    const lecture = await readyDemoLecture(server, LECTURE_SECONDS, log);
    const parts: Record<string, number> = {};
    const bound = { bytes: await firstFrameBytes(lecture, parts) };
    const partsText = Object.entries(parts).map(([name, size]) => `${name} ${(size / 1024).toFixed(1)} KB`).join(', ');
    log(`listening mode: ${LISTENING}`);
    log(`lecture ${lecture.durationSeconds.toFixed(1)} s, renditions ${lecture.summary.renditions.map((r) => r.name).join(', ')}; first frame needs ${kb(bound.bytes)} at the lowest rendition`);
    const results: Result[] = [];
    for (const profile of PROFILES.filter((p) => !ONLY || p.name.startsWith(ONLY))) {
      // --cold blocks the service worker: the emulated line does not apply to a worker's own
      // fetches, so once it controls the page, the chunks it fetched would cross no line at all
      const context = await browser.newContext({ viewport: { width: 390, height: 800 }, locale: 'zh-CN', serviceWorkers: COLD ? 'block' : 'allow' });
      try {
        results.push(await measure(context, server, lecture, profile, bound));
      } finally {
        await context.close();
      }
    }
    const rendered = table(results);
    console.log(`\n${rendered}\n`);
    const r128 = results.find((r) => r.profile.kbps === 128);
    const r256 = results.find((r) => r.profile.kbps === 256);
    const verdict = [
      r128 ? `- 128 kbit/s: first frame ${seconds(r128.firstFrameMs)} (aim ≤ 5 s: ${r128.firstFrameMs !== null && r128.firstFrameMs <= 5000 ? 'met' : 'not met'}).` : '',
      r256 ? `- 256 kbit/s: ${r256.stalls} stall(s) (aim none: ${r256.stalls === 0 ? 'met' : 'not met'}).` : '',
    ].filter(Boolean).join('\n');
    console.log(verdict);
    const load = `Machine load (1-minute average) ${loadBefore.toFixed(1)} before and ${os.loadavg()[0]!.toFixed(1)} after: other work shares the cores with the server and Chromium (the emulated line is unaffected).`;
    console.log(load);
    if (WRITE_DOCS && !ONLY) {
      await writeDocs(
        [
          `\`npm run bench:slowline\` (bench/slowline.ts), ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, headless Chromium with CDP network emulation, a ${LECTURE_SECONDS} s lecture-like recording (720p source, slides, speech-like audio) through the real ladder, ${PLAY_SECONDS} s of playback measured per line.`,
          '',
          'Method: a fresh browser profile per line; a warm-up visit on the same line by another lawyer of the device (the service worker keeps the shell, the player chunk and hls.js; the player remembers the line speed), then the HTTP cache is cleared and the measured lawyer opens the lecture from the start. Times are from navigation start. Bytes are what crossed the emulated line during the measured visit (service-worker and cache hits excluded). The lower bound is the bytes the lowest rendition needs before its first frame (master and media playlists, init segments, first video and audio segments) ÷ the line speed + 4 round trips (session, master, media playlists, first segments) — it ignores the page, /api/me and TCP/TLS setup, so no real player reaches it.',
          '',
          rendered,
          '',
          load,
          '',
          `First-frame payload at the lowest rendition: ${kb(bound.bytes)} (${partsText}, plus playlists). The audio starts with 2 s segments like the video (three, then 6 s ones at the same boundaries: docs/transcoding.md "Segments and keyframes"), so its first segment is about 2 s of sound. Before that change the first audio segment was 6 s (25 KB, the largest item before the first frame) and the first frame came at 4.82 s on 128 kbit/s and 2.60 s on 256 kbit/s.`,
          '',
          verdict,
          '',
          'Player settings behind these figures (web/src/lib/player/abr.ts): start at the lowest rendition unless a remembered measurement fits 70 % of the line, `abrEwmaDefaultEstimate` seeded from it (100 kbit/s by default), up-switch only at twice the bitrate, 60 s forward buffer, slow-line load timeouts. The service worker does not cache media; the page-level CDP throttle does not apply to the service worker\'s own navigation fetch of index.html (about 1 KB).',
        ].join('\n'),
      );
      log('docs/benchmarks.md: "## Slow line" written');
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
