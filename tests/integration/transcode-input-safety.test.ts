/**
 * What an uploaded file can make ffmpeg open: nothing but itself. With real ffmpeg:
 *
 * - an HLS playlist or an ffconcat script that names another recording on the server's disk is
 *   refused after probing (`unsupported_format`, both languages), no package is written, and the
 *   named file is never even read (its access time does not move);
 * - the same uploaded over tus by a trainer and picked up by the worker: the lecture fails with
 *   that reason and nothing of the other file is published;
 * - every container on the allow-list still probes, and the common ones still transcode, with the
 *   probed demuxer forced on the command line.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Upload } from 'tus-js-client';
import { eq } from 'drizzle-orm';
import { lectures } from '../../server/db/schema/index.ts';
import { MediaRejectedError, REJECTION_REASONS } from '../../transcoder/errors.ts';
import { npmFfmpegTools, resolveFfmpegTools, type FfmpegTools } from '../../transcoder/ffmpeg.ts';
import { transcodeWithDetails } from '../../transcoder/pipeline.ts';
import { probeAndValidate } from '../../transcoder/probe.ts';
import { startWorker, type Worker } from '../../transcoder/worker.ts';
import { MediaWorkspace, ffmpeg } from '../helpers/media.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, type TestClient } from '../helpers/http.ts';
import { teachApi, type TranscodeState } from '../../web/src/routes/teach/teach-api.ts';

// real ffmpeg on a shared 2-core machine
vi.setConfig({ testTimeout: 300_000, hookTimeout: 180_000 });

let media: MediaWorkspace;
let outCount = 0;

beforeAll(async () => {
  media = await MediaWorkspace.create('lectern-input-safety-');
});
afterAll(async () => media?.dispose());

function freshOut(): string {
  outCount += 1;
  return media.file(`out-${outCount}`);
}

/**
 * A real recording elsewhere on the disk (another lecture's source, say), and a way to tell
 * whether anything read it: its access time is set two days before its modification time, so
 * the first read moves it (relatime updates an access time older than the modification time).
 */
interface Canary {
  file: string;
  atimeMs: number;
}

async function plantCanary(file: string): Promise<Canary> {
  await mkdir(path.dirname(file), { recursive: true });
  // 7 s of picture and tone in MPEG-TS: what an HLS segment is, so a playlist naming it would play
  await ffmpeg([
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=25:d=7',
    '-f', 'lavfi', '-i', 'sine=f=660:d=7:sample_rate=48000',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-f', 'mpegts', file,
  ]);
  const { mtime } = await stat(file);
  await utimes(file, new Date(mtime.getTime() - 2 * 24 * 3600_000), mtime);
  return { file, atimeMs: (await stat(file)).atimeMs };
}

async function wasRead(canary: Canary): Promise<boolean> {
  return (await stat(canary.file)).atimeMs !== canary.atimeMs;
}

/** Whether this file system shows reads in access times at all (a noatime mount does not). */
async function readsShowInAccessTimes(): Promise<boolean> {
  const control = await plantCanary(media.file('control/control.ts'));
  await readFile(control.file);
  return wasRead(control);
}

let readsVisible = false;
beforeAll(async () => {
  readsVisible = await readsShowInAccessTimes();
  if (!readsVisible) console.log('[input-safety] this file system does not update access times: the "never read" checks are skipped, the rest still runs');
});

async function expectNeverRead(canary: Canary): Promise<void> {
  if (!readsVisible) return;
  expect(await wasRead(canary), `${canary.file} was read`).toBe(false);
}

/** The hostile uploads: text that ffprobe takes for a playlist or a concat script. */
function hlsPlaylist(segment: string): string {
  return ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:7', '#EXT-X-MEDIA-SEQUENCE:0', '#EXTINF:7.0,', segment, '#EXT-X-ENDLIST', ''].join('\n');
}

function concatScript(file: string): string {
  return `ffconcat version 1.0\nfile '${file}'\nduration 7\n`;
}

async function rejectionOf(work: Promise<unknown>): Promise<MediaRejectedError> {
  try {
    await work;
  } catch (err) {
    if (err instanceof MediaRejectedError) return err;
    throw err;
  }
  throw new Error('expected a MediaRejectedError, but the file was accepted');
}

async function packageFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir, { recursive: true })).map(String).filter((f) => /\.(m3u8|m4s|mp4|jpg|webp|json|vtt)$/.test(f));
}

describe('the transcoder refuses a file that names other files', () => {
  let dir: string;
  let canary: Canary;

  beforeAll(async () => {
    // the hostile files sit next to the canary, so a relative name reaches it too
    dir = media.file('hostile');
    canary = await plantCanary(path.join(dir, 'canary.ts'));
  });

  const cases: [string, (canaryFile: string) => string][] = [
    ['an HLS playlist naming file:///…/canary.ts', (c) => hlsPlaylist(`file://${c}`)],
    ['an HLS playlist naming an absolute path', (c) => hlsPlaylist(c)],
    ['an HLS playlist naming a file next to it', () => hlsPlaylist('canary.ts')],
    ["an ffconcat script naming '/…/canary.ts'", (c) => concatScript(c)],
    ['an ffconcat script naming a file next to it', () => concatScript('canary.ts')],
  ];

  for (const [what, text] of cases) {
    it(`${what}: unsupported_format, no package, the named file never read`, async () => {
      // named like a recording: the upload page and the stored key say nothing about the bytes
      const upload = path.join(dir, `lecture-${cases.findIndex(([w]) => w === what)}.mp4`);
      await writeFile(upload, text(canary.file));
      const out = freshOut();
      const err = await rejectionOf(transcodeWithDetails(upload, out));
      expect(err.code).toBe('unsupported_format');
      expect(err.reason).toEqual(REJECTION_REASONS.unsupported_format);
      expect(err.message).toBe(REJECTION_REASONS.unsupported_format.en);
      // the log line says what the file pretended to be
      expect(err.detail).toMatch(/hls|concat/);
      expect(await packageFiles(out)).toEqual([]);
      await expectNeverRead(canary);
    });
  }

  it('says it in words a trainer can act on, in both languages', () => {
    const { 'zh-CN': zh, en } = REJECTION_REASONS.unsupported_format;
    expect(zh).toMatch(/^这不是视频或音频录制文件/);
    expect(zh).toMatch(/播放列表/);
    expect(zh).toMatch(/MP4/);
    expect(en).toMatch(/^This is not a video or audio recording/);
    expect(en).toMatch(/playlist/);
    expect(en).toMatch(/Upload the recording itself/);
  });

  it('the ffmpeg build shipped on npm refuses them the same way', async (ctx) => {
    const npm = npmFfmpegTools();
    if (!npm) {
      console.log('skipped: @ffmpeg-installer/@ffprobe-installer binaries are not installed');
      ctx.skip();
      return;
    }
    // its ffprobe takes a playlist for HLS only by its extension; so does an attacker who knows it
    for (const [name, text] of [
      ['lecture.m3u8', hlsPlaylist(`file://${canary.file}`)],
      ['lecture-concat.mp4', concatScript('canary.ts')],
    ] as const) {
      const upload = path.join(dir, name);
      await writeFile(upload, text);
      const out = freshOut();
      const err = await rejectionOf(transcodeWithDetails(upload, out, { tools: npm }));
      expect(err.code, name).toBe('unsupported_format');
      expect(await packageFiles(out)).toEqual([]);
      await expectNeverRead(canary);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// As a trainer would: tus upload → stored source → job → worker → lecture state

const PASSWORD = 'lectern-demo';
const quiet = { info: () => {}, warn: () => {}, error: (o: object, m?: string) => console.error(m, o) };

function tusUpload(baseUrl: string, body: Buffer, cookie: string, metadata: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const upload = new Upload(body, {
      endpoint: `${baseUrl}/api/uploads`,
      chunkSize: 256 * 1024,
      retryDelays: [],
      headers: { cookie },
      metadata,
      storeFingerprintForResuming: false,
      onSuccess: () => resolve(),
      onError: (error) => reject(error),
    });
    upload.start();
  });
}

describe('a trainer uploads such a file: the lecture fails and publishes nothing', () => {
  let server: TestServer;
  let trainer: TestClient;
  let worker: Worker;
  let canary: Canary;

  beforeAll(async () => {
    server = await startTestServer();
    trainer = createTestClient(server.baseUrl);
    await trainer.login('trainer', PASSWORD);
    // the worker of the embedded mode, on this server's database and storage (the demo lecture
    // has no job, so it is left alone)
    worker = startWorker({ db: server.deps.db, storage: server.deps.storage, config: server.deps.config, pollMs: 100, leaseSeconds: 30, ffmpegThreads: 2, logger: quiet });
    // another recording on the server's disk: outside storage, as /etc or another tenant would be
    canary = await plantCanary(media.file('server-disk/other-lecture.ts'));
  });
  afterAll(async () => {
    await worker?.stop();
    await server?.close();
  });

  async function uploadAsTrainer(body: Buffer, filename: string): Promise<string> {
    const { id: lectureId } = await trainer.expectStatus(201, teachApi(trainer).addLecture(server.demo!.draftCourseId, `安全测试 ${filename}`));
    await tusUpload(server.baseUrl, body, trainer.jar.header() ?? '', { lectureId, filename, filetype: 'video/mp4' });
    return lectureId;
  }

  async function finished(lectureId: string): Promise<TranscodeState> {
    const deadline = Date.now() + 240_000;
    for (;;) {
      const status = await trainer.expectStatus(200, teachApi(trainer).transcode(lectureId));
      // the lecture first: the status route reads the lecture, then the job, in two statements, so
      // a finished job can show beside a lecture read just before the same commit
      if (status.lectureStatus === 'ready' || status.lectureStatus === 'failed') return status;
      if (Date.now() > deadline) throw new Error(`lecture ${lectureId}: job still ${status.job?.status} at ${status.job?.progress}%`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('a real recording uploaded the same way becomes ready (the rig works)', async () => {
    const clip = await media.video({ seconds: 3, width: 320, height: 180 });
    const lectureId = await uploadAsTrainer(await readFile(clip), '第一讲.mp4');
    const status = await finished(lectureId);
    expect(status).toMatchObject({ lectureStatus: 'ready', failure: null, job: { status: 'done' } });
  });

  for (const [what, text] of [
    ['an HLS playlist naming file:///…/other-lecture.ts', (c: string) => hlsPlaylist(`file://${c}`)],
    ["an ffconcat script naming '/…/other-lecture.ts'", (c: string) => concatScript(c)],
  ] as const) {
    it(`${what}`, async () => {
      const lectureId = await uploadAsTrainer(Buffer.from(text(canary.file)), '第二讲.mp4');
      const status = await finished(lectureId);
      expect(status.job!.status).toBe('failed');
      expect(status.lectureStatus).toBe('failed');
      expect(status.failure).toEqual({
        code: 'unsupported_format',
        reasonZh: REJECTION_REASONS.unsupported_format['zh-CN'],
        reasonEn: REJECTION_REASONS.unsupported_format.en,
      });
      // nothing of the other file is published under the lecture, and the lecture plays nothing
      expect(await server.deps.storage.list(`lectures/${lectureId}/`)).toEqual([]);
      const [lecture] = await server.deps.db.select().from(lectures).where(eq(lectures.id, lectureId));
      expect(lecture).toMatchObject({ status: 'failed', packagePrefix: null });
      await expectNeverRead(canary);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Real recordings in every accepted container

interface Sample {
  what: string;
  file: string;
  /** ffprobe's format_name */
  formatName: string;
  demuxer: string;
  audioOnly: boolean;
  /** also run the whole ladder (the rest are probed and tail-decoded, which uses the same input options) */
  transcode: boolean;
}

const VIDEO = ['-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=25:d=3', '-f', 'lavfi', '-i', 'sine=f=440:d=3:sample_rate=48000'];
const AUDIO = ['-f', 'lavfi', '-i', 'sine=f=440:d=3:sample_rate=48000'];
const H264_AAC = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac'];

/** How each sample is made: what trainers upload, by the device that writes it. */
const RECIPES: { what: string; name: string; args: string[]; formatName: string; demuxer: string; audioOnly?: boolean; transcode?: boolean }[] = [
  { what: 'phone / screen recorder MP4 (H.264, AAC)', name: 'phone.mp4', args: [...VIDEO, ...H264_AAC], formatName: 'mov,mp4,m4a,3gp,3g2,mj2', demuxer: 'mov', transcode: true },
  { what: 'iPhone / QuickTime MOV', name: 'iphone.mov', args: [...VIDEO, ...H264_AAC], formatName: 'mov,mp4,m4a,3gp,3g2,mj2', demuxer: 'mov' },
  { what: 'OBS MKV', name: 'obs.mkv', args: [...VIDEO, ...H264_AAC], formatName: 'matroska,webm', demuxer: 'matroska', transcode: true },
  { what: 'browser recording WebM (VP8, Opus)', name: 'browser.webm', args: [...VIDEO, '-c:v', 'libvpx', '-deadline', 'realtime', '-c:a', 'libopus'], formatName: 'matroska,webm', demuxer: 'matroska' },
  { what: 'older camera AVI (MPEG-4, MP3)', name: 'camera.avi', args: [...VIDEO, '-c:v', 'mpeg4', '-c:a', 'libmp3lame'], formatName: 'avi', demuxer: 'avi' },
  { what: 'live-stream recording FLV', name: 'stream.flv', args: [...VIDEO, ...H264_AAC], formatName: 'flv', demuxer: 'flv' },
  { what: 'camcorder / OBS MPEG-TS', name: 'camcorder.mts', args: [...VIDEO, ...H264_AAC, '-f', 'mpegts'], formatName: 'mpegts', demuxer: 'mpegts', transcode: true },
  { what: 'AVCHD M2TS (192-byte packets)', name: 'avchd.m2ts', args: [...VIDEO, ...H264_AAC, '-f', 'mpegts', '-mpegts_m2ts_mode', '1'], formatName: 'mpegts', demuxer: 'mpegts' },
  { what: 'DVD / camcorder MPEG-PS', name: 'dvd.mpg', args: [...VIDEO, '-c:v', 'mpeg2video', '-c:a', 'mp2', '-f', 'vob'], formatName: 'mpeg', demuxer: 'mpeg', transcode: true },
  { what: 'Windows recorder WMV', name: 'windows.wmv', args: [...VIDEO, '-c:v', 'wmv2', '-c:a', 'wmav2'], formatName: 'asf', demuxer: 'asf' },
  {
    what: 'DV camcorder',
    name: 'camcorder.dv',
    args: ['-f', 'lavfi', '-i', 'testsrc2=s=720x576:r=25:d=3', '-f', 'lavfi', '-i', 'sine=d=3:sample_rate=48000', '-c:v', 'dvvideo', '-pix_fmt', 'yuv420p', '-c:a', 'pcm_s16le', '-ac', '2', '-f', 'dv'],
    formatName: 'dv',
    demuxer: 'dv',
  },
  { what: 'voice memo M4A', name: 'memo.m4a', args: [...AUDIO, '-c:a', 'aac'], formatName: 'mov,mp4,m4a,3gp,3g2,mj2', demuxer: 'mov', audioOnly: true },
  { what: 'audio recorder MP3', name: 'recorder.mp3', args: [...AUDIO, '-c:a', 'libmp3lame'], formatName: 'mp3', demuxer: 'mp3', audioOnly: true, transcode: true },
  { what: 'audio recorder WAV', name: 'recorder.wav', args: [...AUDIO, '-c:a', 'pcm_s16le'], formatName: 'wav', demuxer: 'wav', audioOnly: true, transcode: true },
  { what: 'Android recorder Ogg Opus', name: 'android.ogg', args: [...AUDIO, '-c:a', 'libopus'], formatName: 'ogg', demuxer: 'ogg', audioOnly: true },
  { what: 'FLAC', name: 'recorder.flac', args: [...AUDIO, '-c:a', 'flac'], formatName: 'flac', demuxer: 'flac', audioOnly: true },
  { what: 'raw ADTS AAC', name: 'recorder.aac', args: [...AUDIO, '-c:a', 'aac', '-f', 'adts'], formatName: 'aac', demuxer: 'aac', audioOnly: true },
  { what: 'Mac AIFF', name: 'garageband.aiff', args: [...AUDIO, '-c:a', 'pcm_s16be'], formatName: 'aiff', demuxer: 'aiff', audioOnly: true },
  { what: 'Apple CAF (ALAC)', name: 'apple.caf', args: [...AUDIO, '-c:a', 'alac'], formatName: 'caf', demuxer: 'caf', audioOnly: true },
];

/**
 * AMR-NB as old phone voice recorders write it. No AMR encoder ships with Debian's ffmpeg, so the
 * file is written by hand: the "#!AMR" magic, then 12.2 kbit/s frames (a 0x3C header byte and 31
 * bytes of parameters each, 20 ms). Any parameters decode, to noise.
 */
async function amrFile(file: string, seconds: number): Promise<void> {
  const frames = Math.round(seconds * 50);
  const bytes = Buffer.alloc(6 + frames * 32);
  bytes.write('#!AMR\n', 0, 'latin1');
  for (let i = 0; i < frames; i++) {
    const at = 6 + i * 32;
    bytes[at] = 0x3c;
    for (let k = 1; k < 32; k++) bytes[at + k] = (i * 31 + k * 17) & 0xff;
  }
  await writeFile(file, bytes);
}

describe('real recordings in every accepted container still probe and transcode', () => {
  const samples: Sample[] = [];
  let tools: FfmpegTools;

  beforeAll(async () => {
    tools = resolveFfmpegTools();
    await mkdir(media.file('containers'), { recursive: true });
    for (const r of RECIPES) {
      const file = media.file(`containers/${r.name}`);
      await ffmpeg(['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...r.args, '-t', '3', file]);
      samples.push({ what: r.what, file, formatName: r.formatName, demuxer: r.demuxer, audioOnly: r.audioOnly ?? false, transcode: r.transcode ?? false });
    }
    const amr = media.file('containers/phone-recorder.amr');
    await amrFile(amr, 3);
    samples.push({ what: 'phone voice recorder AMR-NB', file: amr, formatName: 'amr', demuxer: 'amr', audioOnly: true, transcode: false });
  });

  it('probes each one (ffprobe with the demuxer allow-list, then a tail decode with the demuxer forced)', async () => {
    const seen: string[] = [];
    for (const s of samples) {
      const probe = await probeAndValidate(tools, s.file);
      expect(probe.container, s.what).toMatchObject({ formatName: s.formatName, demuxer: s.demuxer });
      expect(probe.durationSeconds, s.what).toBeGreaterThan(2.5);
      expect(Boolean(probe.video), s.what).toBe(!s.audioOnly);
      expect(Boolean(probe.audio), s.what).toBe(true);
      seen.push(s.demuxer);
    }
    // every entry of the allow-list has a real file behind it
    const { ACCEPTED_CONTAINERS } = await import('../../transcoder/containers.ts');
    expect(new Set(seen)).toEqual(new Set(ACCEPTED_CONTAINERS.map((c) => c.demuxer)));
  });

  it('transcodes MP4, MKV, MPEG-TS, MPEG-PS, MP3 and WAV into a package, the probed demuxer forced on the input', async () => {
    const chosen = samples.filter((s) => s.transcode);
    expect(chosen.map((s) => s.demuxer)).toEqual(['mov', 'matroska', 'mpegts', 'mpeg', 'mp3', 'wav']);
    for (const s of chosen) {
      const out = freshOut();
      const { summary, args } = await transcodeWithDetails(s.file, out);
      expect(summary.files.at(-1), s.what).toBe('master.m3u8');
      expect(summary.hasAudio, s.what).toBe(true);
      expect(summary.hasVideo, s.what).toBe(!s.audioOnly);
      expect(summary.durationSeconds, s.what).toBeGreaterThan(2.5);
      const beforeInput = args.slice(0, args.indexOf('-i'));
      expect(beforeInput.join(' '), s.what).toContain(`-protocol_whitelist file -format_whitelist ${s.demuxer} -f ${s.demuxer}`);
      expect(args[args.indexOf('-i') + 1]).toBe(path.resolve(s.file));
    }
  });

  it('a recording stored without an extension, as storage keeps uploads, is still recognised', async () => {
    // the worker reads `…/original` in place from local storage: detection must not need a name
    const phone = samples.find((s) => s.demuxer === 'mov' && !s.audioOnly)!;
    const stored = media.file('containers/original');
    await writeFile(stored, createReadStream(phone.file));
    const probe = await probeAndValidate(tools, stored);
    expect(probe.container.demuxer).toBe('mov');
  });
});
