/**
 * The demo recording is made on any machine (with a CJK font, and with no font at all), and on a
 * first start it is transcoded once for every demo lecture.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../server/db/rows.ts';
import { makeDemoSource, prepareWaitingDemoLectures } from '../../server/demo/media.ts';
import { provinceSeeded } from '../../server/demo/province.ts';
import { transcodingServiceOver } from '../../server/transcoding/service.ts';
import { probeFile } from '../../transcoder/probe.ts';
import { resolveFfmpegTools } from '../../transcoder/ffmpeg.ts';
import { startWorker } from '../../transcoder/worker.ts';
import { createTestClient } from '../helpers/http.ts';
import { catalogApi } from '../../web/src/lib/api/learning.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const dir = await mkdtemp(path.join(os.tmpdir(), 'lectern-demo-test-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('demo recording', () => {
  it('draws bars instead of text when the machine has no font file', async () => {
    const out = path.join(dir, 'nofont.mp4');
    const made = await makeDemoSource(out, { seconds: 4, width: 640, height: 360, slideSeconds: 2, fonts: { cjk: [], latin: [] } });
    expect(made).toEqual({ font: undefined, chinese: false });
    expect((await stat(out)).size).toBeGreaterThan(1000);
    const probe = await probeFile(resolveFfmpegTools(), out);
    expect(probe.durationSeconds).toBeGreaterThan(3.5);
    expect(probe.video?.width).toBe(640);
    expect(probe.audio).toBeDefined();
  });

  it('uses the default font lists otherwise', async () => {
    const out = path.join(dir, 'default.mp4');
    const made = await makeDemoSource(out, { seconds: 3, width: 640, height: 360 });
    expect((await stat(out)).size).toBeGreaterThan(1000);
    if (!made.font) console.warn('[demo-media] no font on this machine: only the bar variant ran');
  });
});

/**
 * First start (server/demo/media.ts prepareWaitingDemoLectures): one recording is made and
 * transcoded once, for the core demo lecture, and every other demo lecture plays a copy of its
 * package; a start interrupted while the recording waited for the worker makes no second one.
 */
describe('the demo recording every demo lecture plays', () => {
  const small = { seconds: 16, fps: 5, width: 640, height: 360 };
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  }, 120_000);
  afterAll(() => server?.close());

  const count = async (table: string) => Number(rowsOf<{ n: unknown }>(await server.deps.db.execute(sql`SELECT count(*) AS n FROM ${sql.identifier(table)}`))[0]!.n);

  it('is transcoded once, shared by every lecture through a copy no lecture owns, and never made twice', async () => {
    const { db, storage } = server.deps;
    const demo = server.demo!;
    // a first start stopped after the recording was queued, before any worker took it
    const abort = new AbortController();
    const first = prepareWaitingDemoLectures(server.deps, { recording: small, pollMs: 100, signal: abort.signal });
    while ((await count('transcode_jobs')) === 0) await new Promise((r) => setTimeout(r, 100));
    abort.abort();
    await expect(first).rejects.toThrow();
    expect(await provinceSeeded(db)).toBe(true);
    const waiting = await transcodingServiceOver(db, storage).jobs.processingLecturesWithoutJob();
    expect(waiting).toHaveLength(22);

    // the next start: the queued recording is transcoded, no second one is made
    const quiet = { info() {}, warn() {}, error() {} };
    const worker = startWorker({ db, storage, config: server.deps.config, logger: quiet, pollMs: 200 });
    let handled: string[];
    try {
      handled = await prepareWaitingDemoLectures(server.deps, { recording: small, pollMs: 200, log: quiet });
    } finally {
      await worker.stop();
    }
    expect(handled).toHaveLength(22);
    expect([await count('transcode_jobs'), await count('media_sources')]).toEqual([1, 1]);

    const all = rowsOf<{ id: string; status: string; duration_seconds: number; package_prefix: string }>(await db.execute(sql`SELECT id, status, duration_seconds, package_prefix FROM lectures`));
    expect(all).toHaveLength(23);
    const recorded = all.find((l) => l.id === demo.lectureId)!;
    expect(recorded.status).toBe('ready');
    expect(recorded.package_prefix).toMatch(new RegExp(`^lectures/${demo.lectureId}/([0-9a-f]{16})/$`));
    const packageId = recorded.package_prefix.split('/')[2];
    const shared = `demo/recordings/${packageId}/`;
    for (const l of all.filter((x) => x.id !== demo.lectureId)) {
      expect(l).toMatchObject({ status: 'ready', package_prefix: shared, duration_seconds: recorded.duration_seconds });
    }
    const keys = async (prefix: string) => (await storage.list(prefix)).map((o) => o.key.slice(prefix.length)).sort();
    expect(await keys(shared)).toEqual(await keys(recorded.package_prefix));

    // a province lecture plays through signed links to the shared copy
    const lawyer = createTestClient(server.baseUrl);
    await lawyer.login('lawyer', 'lectern-demo');
    const other = all.find((l) => l.id !== demo.lectureId)!;
    const session = await lawyer.openSession(other.id);
    const master = await fetch(new URL(session.media.master, server.baseUrl));
    expect(master.status).toBe(200);
    const playlist = await master.text();
    expect(playlist).toMatch(/#EXT-X-STREAM-INF:.*BANDWIDTH=\d+/);
    const rendition = playlist.split('\n').find((line) => line.endsWith('.m3u8') && !line.startsWith('#'))!;
    expect((await fetch(new URL(rendition, new URL(session.media.master, server.baseUrl)))).status).toBe(200);

    // every demo lecture has the slides' words as zh-CN subtitles: a transcript, and catalog search finds them
    expect(await count('lecture_subtitles')).toBe(23);
    const transcript = await lawyer.transcript(other.id);
    expect(transcript.lang).toBe('zh-CN');
    expect(transcript.cues[0]).toMatchObject({ start: 0, text: '县域律师刑事辩护实务' });
    expect(transcript.cues.at(-1)!.end).toBeLessThanOrEqual(recorded.duration_seconds + 0.001);
    const found = await catalogApi(lawyer).list({ q: '各门演示课程共用' });
    expect(found.items.length).toBeGreaterThan(0);
    expect(found.items.some((item) => item.transcriptMatch?.snippet.includes('各门演示课程共用'))).toBe(true);

    // a later start finds nothing waiting
    expect(await prepareWaitingDemoLectures(server.deps, { recording: small, pollMs: 100 })).toEqual([]);
    expect(await count('transcode_jobs')).toBe(1);
  }, 600_000);
});
