/**
 * A transcoded package plays in Debian Chromium through the package player the app uses
 * (web/src/lib/player/package-player.ts, bundled by Vite for a bare page) and through hls.js, the
 * fallback for packages not of ours, which also shows the package follows the HLS rules another
 * player reads: the master playlist in a <video>,
 * and audio.m3u8 alone in an <audio> (the "audio only" mode on the slowest lines), also from
 * inside an audio segment joined from several fragments. The audio modes use the light build of
 * hls.js, so audio.m3u8 is also played through it; the master playlist is not, since the light
 * build leaves out the separate audio rendition (the picture would play without sound), which is
 * checked here too (docs/player.md, "hls.js, for packages not of ours").
 */
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import compress from '@fastify/compress';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mediaRoutes from '../../server/media/routes.ts';
import { decorateForMediaRoute } from '../helpers/media-route.ts';
import { packagePlayerScript } from '../helpers/package-player-bundle.ts';
import { mediaUrls } from '../../server/media/service.ts';
import { S3Storage } from '../../server/storage/s3.ts';
import { startTestS3, type TestS3 } from '../helpers/s3.ts';
import { npmFfmpegTools } from '../../transcoder/ffmpeg.ts';
import { transcodeToDirectory, type PackageSummary } from '../../transcoder/pipeline.ts';
import { chromiumAvailable, launchBrowser } from '../helpers/browser.ts';
import { MediaWorkspace } from '../helpers/media.ts';

const HLS_DIST = path.resolve(import.meta.dirname, '../../node_modules/hls.js/dist');
const BUILDS: Record<string, string> = { '/hls.min.js': path.join(HLS_DIST, 'hls.min.js'), '/hls.light.min.js': path.join(HLS_DIST, 'hls.light.min.js') };

const TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.json': 'application/json',
  '.vtt': 'text/vtt',
  '.js': 'text/javascript',
};

/** A bare page playing `src` through the package player; `window.source` is what the app's controller gets. */
function packagePage(tag: 'video' | 'audio', src: string): string {
  const options = `{ playlist: ${JSON.stringify(tag === 'video' ? 'master' : 'audio')}, startAt: Number(new URLSearchParams(location.search).get('start') ?? 0), estimate: null, fixedHeight: null,
    onFatal: (reason) => { window.result.fatal = reason; }, onLevels: () => {} }`;
  return `<!doctype html><meta charset="utf-8"><body><${tag} id="media" muted playsinline></${tag}>
<script src="/package-player.js"></script>
<script>
  window.result = { fatal: null, levels: 0, errors: [], engine: null, ended: false };
  const media = document.getElementById('media');
  media.muted = true;
  media.addEventListener('ended', () => { window.result.ended = true; });
  LecternPackage.attachPackage(media, ${JSON.stringify(src)}, ${options}).then((source) => {
    if (!source) { window.result.fatal = 'not a package of ours'; return; }
    window.source = source;
    window.result.engine = source.engine;
    window.result.levels = source.levels().length;
    media.play().catch((err) => { window.result.fatal = 'play(): ' + err.message; });
  }, (err) => { window.result.fatal = 'attach: ' + err.message; });
</script>`;
}

function page(tag: 'video' | 'audio', src: string, build = '/hls.min.js'): string {
  return `<!doctype html><meta charset="utf-8"><body><${tag} id="media" muted playsinline></${tag}>
<script src="${build}"></script>
<script>
  window.result = { fatal: null, levels: 0, errors: [] };
  const media = document.getElementById('media');
  media.muted = true;
  const hls = new Hls({ enableWorker: true });
  hls.on(Hls.Events.ERROR, (_, data) => {
    window.result.errors.push(data.details);
    if (data.fatal) window.result.fatal = data.type + ': ' + data.details;
  });
  hls.on(Hls.Events.MANIFEST_PARSED, (_, data) => {
    window.result.levels = data.levels.length;
    media.play().catch((err) => { window.result.fatal = 'play(): ' + err.message; });
  });
  hls.loadSource(${JSON.stringify(src)});
  hls.attachMedia(media);
</script>`;
}

let media: MediaWorkspace;
let packageDir: string;
/** the same clip through the npm ffmpeg 4.x build, when installed */
let packageDir4: string | undefined;
let summary: PackageSummary;
let server: http.Server;
let base: string;
let browser: Browser | undefined;
/** S3 mode: s3rver holding the package, and the media route as app.ts registers it */
let s3: TestS3;
let api: FastifyInstance;
let apiBase: string;
let packageScript: string;
/** requests of `/flaky/` (the package behind a line that drops): the first two of each segment after the first are cut */
const flakyTries = new Map<string, number>();
/** every request the media route's server received */
const apiRequests: string[] = [];
const SECRET = 'hls-e2e-secret-0123456789abcdef0123456789abcdef';

async function uploadDir(storage: S3Storage, dir: string, prefix: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await uploadDir(storage, path.join(dir, entry.name), `${prefix}${entry.name}/`);
    else await storage.put(`${prefix}${entry.name}`, await readFile(path.join(dir, entry.name)));
  }
}

beforeAll(async () => {
  media = await MediaWorkspace.create('lectern-hls-e2e-');
  packageDir = media.file('package');
  const clip = await media.video({ seconds: 12, width: 640, height: 360, slideSeconds: 4 });
  summary = await transcodeToDirectory(clip, packageDir);
  const npm = npmFfmpegTools();
  if (npm) {
    packageDir4 = media.file('package-ffmpeg4');
    await transcodeToDirectory(clip, packageDir4, { tools: npm });
  }

  packageScript = await packagePlayerScript();
  server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/package-player.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(packageScript);
    const ours = /^\/package-(video|audio)(4|-flaky)?\.html$/.exec(url.pathname);
    if (ours) {
      const tag = ours[1] as 'video' | 'audio';
      const root = ours[2] === '4' ? '/pkg4/' : ours[2] === '-flaky' ? '/flaky/' : '/pkg/';
      return void res.writeHead(200, { 'content-type': 'text/html' }).end(packagePage(tag, `${root}${tag === 'video' ? 'master' : 'audio'}.m3u8`));
    }
    if (url.pathname.startsWith('/flaky/')) {
      const tries = (flakyTries.get(url.pathname) ?? 0) + 1;
      flakyTries.set(url.pathname, tries);
      if (/seg-000(0[1-9]|[1-9]\d)\.m4s$/.test(url.pathname) && tries <= 2) return void req.socket.destroy();
      url.pathname = url.pathname.replace(/^\/flaky\//, '/pkg/');
    }
    if (url.pathname === '/video.html') return void res.writeHead(200, { 'content-type': 'text/html' }).end(page('video', '/pkg/master.m3u8'));
    if (url.pathname === '/audio.html') return void res.writeHead(200, { 'content-type': 'text/html' }).end(page('audio', '/pkg/audio.m3u8'));
    if (url.pathname === '/audio-light.html') return void res.writeHead(200, { 'content-type': 'text/html' }).end(page('audio', '/pkg/audio.m3u8', '/hls.light.min.js'));
    if (url.pathname === '/video-light.html') return void res.writeHead(200, { 'content-type': 'text/html' }).end(page('video', '/pkg/master.m3u8', '/hls.light.min.js'));
    if (url.pathname === '/video4.html') return void res.writeHead(200, { 'content-type': 'text/html' }).end(page('video', '/pkg4/master.m3u8'));
    const root = url.pathname.startsWith('/pkg/') ? packageDir : url.pathname.startsWith('/pkg4/') ? packageDir4 : undefined;
    const build = BUILDS[url.pathname];
    const file = build ?? (root ? path.join(root, path.normalize(url.pathname.replace(/^\/pkg4?\//, ''))) : null);
    if (!file || !file.startsWith(build ?? root!)) return void res.writeHead(404).end();
    try {
      const { size } = await stat(file);
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': size });
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // S3 mode: the package in s3rver, its playlists through the media route, segments from the store.
  s3 = await startTestS3();
  const storage = new S3Storage(s3.config);
  await uploadDir(storage, packageDir, 'lectures/L/P/');
  api = Fastify({ logger: false });
  decorateForMediaRoute(api, storage, SECRET);
  api.addHook('onRequest', async (request) => void apiRequests.push(request.url));
  await api.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip'] });
  await api.register(mediaRoutes, { prefix: '/api' });
  const links = mediaUrls(SECRET, 'lectures/L/P/');
  api.get('/s3-video.html', async (_request, reply) => reply.type('text/html').send(page('video', links.master)));
  api.get('/s3-audio.html', async (_request, reply) => reply.type('text/html').send(page('audio', links.audio)));
  api.get('/s3-package-video.html', async (_request, reply) => reply.type('text/html').send(packagePage('video', links.master)));
  api.get('/s3-package-audio.html', async (_request, reply) => reply.type('text/html').send(packagePage('audio', links.audio)));
  api.get('/package-player.js', async (_request, reply) => reply.type('text/javascript').send(packageScript));
  api.get('/hls.min.js', async (_request, reply) => reply.type('text/javascript').send(await readFile(BUILDS['/hls.min.js']!)));
  apiBase = await api.listen({ host: '127.0.0.1', port: 0 });
  if (chromiumAvailable()) browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await api?.close();
  await s3?.close();
  await media?.dispose();
});

interface PlaybackResult {
  currentTime: number;
  /** the time ranges played, [start, end] */
  played: [number, number][];
  fatal: string | null;
  levels: number;
  errors: string[];
  /** bytes of sound the element decoded (Chromium's webkitAudioDecodedByteCount) */
  audioBytes: number;
  /** the package player's pages: its engine name, and whether the element fired `ended` */
  engine?: string | null;
  ended?: boolean;
}

/** Skips the test, printing why, when something it needs is `missing`; false when nothing is. */
function skipped(ctx: { skip: () => void }, missing: string | null): boolean {
  if (missing === null) return false;
  console.log(`skipped: ${missing}`);
  ctx.skip();
  return true;
}
const noChromium = (): string | null => (browser ? null : 'no Chromium at /usr/bin/chromium (set CHROMIUM_PATH)');
const noFfmpeg4 = (): string | null => noChromium() ?? (packageDir4 ? null : 'the npm ffmpeg build is not installed');

/** Waits in `tab` until `predicate` holds or the page reports a fatal error; answers the page's result. */
async function until(tab: import('playwright-core').Page, predicate: string): Promise<Record<string, unknown>> {
  await tab.waitForFunction(`window.result.fatal !== null || (${predicate})`, undefined, { timeout: 60_000, polling: 200 });
  return tab.evaluate(() => (window as unknown as { result: Record<string, unknown> }).result);
}

/** Plays until currentTime passes `past`; with `seekTo`, jumps there once playback has begun. */
async function play(pagePath: string, { seekTo, past = 2 }: { seekTo?: number; past?: number } = {}): Promise<PlaybackResult> {
  const tab = await browser!.newPage();
  const reached = (target: number) =>
    tab.waitForFunction(
      (t) => {
        const w = window as unknown as { result: { fatal: string | null } };
        return w.result.fatal !== null || (document.getElementById('media') as HTMLMediaElement).currentTime > t;
      },
      target,
      { timeout: 60_000, polling: 200 },
    );
  try {
    await tab.goto(pagePath.startsWith('http') ? pagePath : `${base}${pagePath}`);
    if (seekTo !== undefined) {
      await reached(0.2);
      await tab.evaluate((t) => {
        (document.getElementById('media') as HTMLMediaElement).currentTime = t;
      }, seekTo);
    }
    await reached(past).catch(async (error: Error) => {
      const seen = await tab.evaluate(() => JSON.stringify((window as unknown as { result: unknown }).result)).catch(() => '?');
      throw new Error(`${error.message}; hls.js: ${seen}`);
    });
    return await tab.evaluate(() => {
      const w = window as unknown as { result: { fatal: string | null; levels: number; errors: string[] } };
      const element = document.getElementById('media') as HTMLMediaElement;
      const played = Array.from({ length: element.played.length }, (_, i) => [element.played.start(i), element.played.end(i)] as [number, number]);
      const audioBytes = (element as HTMLMediaElement & { webkitAudioDecodedByteCount?: number }).webkitAudioDecodedByteCount ?? -1;
      return { currentTime: element.currentTime, played, audioBytes, ...w.result };
    });
  } finally {
    await tab.close();
  }
}

describe('HLS playback in Chromium through hls.js', () => {
  it('plays the master playlist past 2 s with every rendition listed and no fatal error', async (ctx) => {
    if (skipped(ctx, noChromium())) return;
    const result = await play('/video.html');
    expect(result.fatal).toBeNull();
    expect(result.levels).toBe(summary.renditions.length);
    expect(result.currentTime).toBeGreaterThan(2);
    expect(result.audioBytes).toBeGreaterThan(0); // the separate audio rendition plays with the picture
  });

  it('the light build plays audio.m3u8, and the master playlist only without its sound', async (ctx) => {
    if (skipped(ctx, noChromium())) return;
    const audio = await play('/audio-light.html', { seekTo: 7, past: 9 });
    expect(audio.fatal).toBeNull();
    expect(audio.currentTime).toBeGreaterThan(9);
    expect(audio.audioBytes).toBeGreaterThan(0);
    // why video mode loads the full build: the light one has no alternate audio renditions
    const video = await play('/video-light.html');
    expect(video.fatal).toBeNull();
    expect(video.currentTime).toBeGreaterThan(2);
    expect(video.audioBytes).toBe(0);
  });

  it('plays audio.m3u8 alone in an <audio> element', async (ctx) => {
    if (skipped(ctx, noChromium())) return;
    const result = await play('/audio.html');
    expect(result.fatal).toBeNull();
    expect(result.currentTime).toBeGreaterThan(2);
  });

  it('plays on from inside a joined audio segment (several fMP4 fragments in one file), alone and with the video', async (ctx) => {
    if (skipped(ctx, noChromium())) return;
    // the 12 s clip's audio: 2 + 2 + 2 s, then one 6 s segment joined from three 2 s fragments
    for (const pagePath of ['/audio.html', '/video.html']) {
      const result = await play(pagePath, { seekTo: 7, past: 9 });
      expect(result.fatal, pagePath).toBeNull();
      expect(result.errors.filter((e) => /parsing|append|decode/i.test(e)), pagePath).toEqual([]);
      expect(result.currentTime, pagePath).toBeGreaterThan(9);
      // it really jumped: the last range played starts at the seek, not back at 0
      const last = result.played.at(-1)!;
      expect(last[0], pagePath).toBeGreaterThan(6.9);
      expect(last[1], pagePath).toBeGreaterThan(9);
    }
  });

  it('plays a package made by the npm ffmpeg 4.x build', async (ctx) => {
    if (skipped(ctx, noFfmpeg4())) return;
    const result = await play('/video4.html');
    expect(result.fatal).toBeNull();
    expect(result.levels).toBe(summary.renditions.length);
    expect(result.currentTime).toBeGreaterThan(2);
  });
});

describe('HLS playback in Chromium through the package player', () => {
  it('plays the master playlist with its sound, every rendition listed', async (ctx) => {
    if (skipped(ctx, noChromium())) return;
    const result = await play('/package-video.html');
    expect(result.fatal).toBeNull();
    expect(result.engine).toBe('package');
    expect(result.levels).toBe(summary.renditions.length);
    expect(result.currentTime).toBeGreaterThan(2);
    expect(result.audioBytes).toBeGreaterThan(0); // the separate audio rendition plays with the picture
  });

  it('plays audio.m3u8 alone and the master, from inside a joined audio segment after a seek', async (ctx) => {
    if (skipped(ctx, noChromium())) return;
    for (const pagePath of ['/package-audio.html', '/package-video.html']) {
      const result = await play(pagePath, { seekTo: 7, past: 9 });
      expect(result.fatal, pagePath).toBeNull();
      expect(result.currentTime, pagePath).toBeGreaterThan(9);
      expect(result.audioBytes, pagePath).toBeGreaterThan(0);
      const last = result.played.at(-1)!;
      expect(last[0], pagePath).toBeGreaterThan(6.9);
      expect(last[1], pagePath).toBeGreaterThan(9);
    }
  });

  it('starts at a resume position (the controller’s startAt), in both modes', async (ctx) => {
    if (skipped(ctx, noChromium())) return;
    for (const pagePath of ['/package-video.html?start=7', '/package-audio.html?start=7']) {
      const result = await play(pagePath, { past: 9 });
      expect(result.fatal, pagePath).toBeNull();
      // nothing was played before the start position
      expect(result.played[0]![0], pagePath).toBeGreaterThan(6.9);
      expect(result.currentTime, pagePath).toBeGreaterThan(9);
    }
  });

  it('knows the whole duration at once, plays to the end: the stream is ended and the element fires `ended`', async (ctx) => {
    if (skipped(ctx, noChromium())) return;
    const tab = await browser!.newPage();
    try {
      await tab.goto(`${base}/package-video.html`);
      await until(tab, "document.getElementById('media').currentTime > 0.2");
      // the whole lecture's length from the start, not what is buffered so far
      const duration = await tab.evaluate(() => (document.getElementById('media') as HTMLMediaElement).duration);
      expect(duration).toBeGreaterThan(summary.durationSeconds - 0.2);
      expect(duration).toBeLessThan(summary.durationSeconds + 0.2);
      await tab.evaluate(() => {
        (document.getElementById('media') as HTMLMediaElement).currentTime = 9;
      });
      const result = await until(tab, 'window.result.ended');
      expect(result.fatal).toBeNull();
      expect(result.ended).toBe(true);
      const end = await tab.evaluate(() => (document.getElementById('media') as HTMLMediaElement).currentTime);
      expect(end).toBeGreaterThan(summary.durationSeconds - 0.5);
    } finally {
      await tab.close();
    }
  });

  it('a fixed rendition plays from the next segment on; automatic again keeps playing', async (ctx) => {
    if (skipped(ctx, noChromium() ?? (summary.renditions.length < 2 ? 'the clip was transcoded to one rendition only' : null))) return;
    const tab = await browser!.newPage();
    try {
      await tab.goto(`${base}/package-video.html`);
      await until(tab, "document.getElementById('media').currentTime > 0.3 && window.source.playingHeight() !== null");
      const levels = await tab.evaluate(() => (window as unknown as { source: { levels(): { index: number; height?: number }[] } }).source.levels());
      const lowest = await tab.evaluate(() => (window as unknown as { source: { playingHeight(): number | null } }).source.playingHeight());
      // on a fresh line (no measurement) it starts at the lowest rung
      expect(lowest).toBe(levels[0]!.height);
      const top = levels.at(-1)!;
      await tab.evaluate((index) => (window as unknown as { source: { setLevel(i: number): void } }).source.setLevel(index), top.index);
      const result = await until(tab, `window.source.playingHeight() === ${top.height}`);
      expect(result.fatal).toBeNull();
      expect(await tab.evaluate(() => (window as unknown as { source: { autoLevel(): boolean } }).source.autoLevel())).toBe(false);
      await tab.evaluate(() => (window as unknown as { source: { setLevel(i: number): void } }).source.setLevel(-1));
      expect(await tab.evaluate(() => (window as unknown as { source: { autoLevel(): boolean } }).source.autoLevel())).toBe(true);
      const later = await until(tab, "document.getElementById('media').currentTime > 9");
      expect(later.fatal).toBeNull();
    } finally {
      await tab.close();
    }
  });

  it('plays on through a line that drops: the first two requests of every later segment are cut', async (ctx) => {
    if (skipped(ctx, noChromium())) return;
    flakyTries.clear();
    const result = await play('/package-video-flaky.html', { past: 9 });
    expect(result.fatal).toBeNull();
    expect(result.currentTime).toBeGreaterThan(9);
    expect(result.audioBytes).toBeGreaterThan(0);
    // the cuts happened: segments were asked three times
    const retried = [...flakyTries].filter(([file, tries]) => /seg-\d+\.m4s$/.test(file) && tries >= 3);
    expect(retried.length).toBeGreaterThan(1);
  });

  it('plays a package made by the npm ffmpeg 4.x build', async (ctx) => {
    if (skipped(ctx, noFfmpeg4())) return;
    const result = await play('/package-video4.html');
    expect(result.fatal).toBeNull();
    expect(result.engine).toBe('package');
    expect(result.currentTime).toBeGreaterThan(2);
    expect(result.audioBytes).toBeGreaterThan(0);
  });
});

describe('HLS playback in S3 mode: shared playlists, segments straight from the store', () => {
  it('plays the master playlist and audio.m3u8 with no segment request reaching the API', async (ctx) => {
    if (skipped(ctx, noChromium())) return;
    for (const pagePath of ['/s3-package-video.html', '/s3-package-audio.html', '/s3-video.html', '/s3-audio.html']) {
      apiRequests.length = 0;
      const result = await play(`${apiBase}${pagePath}`, { seekTo: 7, past: 9 });
      expect(result.fatal, pagePath).toBeNull();
      expect(result.currentTime, pagePath).toBeGreaterThan(9);
      const media = apiRequests.filter((url) => url.startsWith('/api/media/'));
      expect(media.length, pagePath).toBeGreaterThan(0);
      // only playlists went through the API; every init segment and segment came from s3rver
      expect(media.filter((url) => !url.endsWith('.m3u8')), pagePath).toEqual([]);
    }
    if (summary.renditions.length > 0) expect(apiRequests.length).toBeGreaterThan(0);
  });
});
