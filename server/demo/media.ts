/**
 * Media for the demo: ffmpeg draws one lecture-like recording (ten slides, one a minute, Chinese
 * text when a CJK font is installed, a running clock, speech-like audio), the file goes into
 * storage as the core demo lecture's source, and a transcode job is queued: that lecture becomes
 * ready through the same worker path as an upload. Every other demo lecture (the province's,
 * province.ts) plays the same recording: once it is transcoded, its package is copied once to a
 * prefix of its own that no lecture owns, and they all point at it. First start transcodes once.
 * Start-up does not wait for any of it.
 *
 * Cheap on purpose (lavfi sources, x264 ultrafast, 5 frames a second — slides barely move, so
 * the ladder encodes a fifth of the frames of 25 fps): 10 minutes cost about what 2 did at 25 fps.
 */
import { spawn } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { AppDeps } from '../app.ts';
import type { Db } from '../db/client.ts';
import { lectures, mediaSources, transcodeJobs } from '../db/schema/index.ts';
import { contentTypeFor, isPlaylist } from '../storage/keys.ts';
import type { TranscodeJobRow } from '../transcoding/repository.ts';
import { MASTER_PLAYLIST, TranscodingService, transcodingServiceOver, jobFailure, sourceKey } from '../transcoding/service.ts';
import { DEMO_RECORDING_SECONDS, provinceSeeded, seedProvince, type ProvinceSummary } from './province.ts';
import { findDemo } from './seed.ts';
import { seedDemoSubtitles } from './subtitles.ts';

export interface DemoMediaLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface DemoSourceOptions {
  seconds?: number;
  width?: number;
  height?: number;
  /** seconds each slide stays on screen */
  slideSeconds?: number;
  /** frames per second (slides barely move: a few frames a second look the same and cost far less) */
  fps?: number;
  ffmpegPath?: string;
  signal?: AbortSignal;
  /** font files to look for (tests use [] to check a machine without fonts) */
  fonts?: { cjk: string[]; latin: string[] };
}

/** Font files tried in order; the first that exists draws the slide text. */
const CJK_FONTS = [
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc',
  '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
  '/usr/share/fonts/wqy-microhei/wqy-microhei.ttc',
  '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc',
];
const LATIN_FONTS = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/TTF/DejaVuSans.ttf', '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf'];

/** how long each slide of the demo recording stays on screen */
export const DEMO_SLIDE_SECONDS = 60;

export const SLIDES_ZH = [
  ['县域律师刑事辩护实务', '第一讲：会见与阅卷要点', '中华全国律师协会 · 演示课程', '（演示录像：各门演示课程共用这一段）'],
  ['一、接受委托', '· 审查委托人身份与委托权限', '· 签订委托协议，讲清收费与风险', '· 办理利益冲突检索'],
  ['二、会见前的准备', '· 核对委托手续与身份材料', '· 梳理案情时间线，列出待问事项', '· 了解羁押场所的会见规定'],
  ['三、会见中的沟通', '· 告知当事人诉讼权利', '· 如实记录当事人的陈述', '· 不得泄露案件信息、不得传递违禁物品'],
  ['四、会见笔录', '· 当场核对，请当事人签字确认', '· 记明会见时间、地点和在场人员', '· 笔录随卷归档'],
  ['五、阅卷的方法', '· 按时间顺序整理证据目录', '· 逐份审查证据的合法性与关联性', '· 标注矛盾之处，形成阅卷笔录'],
  ['六、证据审查要点', '· 非法证据排除的启动条件', '· 鉴定意见的形式与实质审查', '· 电子数据的提取与保全'],
  ['七、与办案机关沟通', '· 依法提出书面意见', '· 申请调取证据、重新鉴定', '· 留存沟通记录'],
  ['八、常见风险', '· 会见中代传信件、物品', '· 阅卷材料外泄', '· 向当事人作出结果承诺'],
  ['小结', '会见要及时，阅卷要细致', '证据审查是辩护的基础', '谢谢观看'],
];
const SLIDES_EN = [
  ['Criminal defence for county lawyers', 'Lecture 1: client meetings and the case file', 'Demo course', '(demo recording shared by every demo course)'],
  ['1. Taking the case', '- check the client\u2019s identity and authority', '- sign the engagement, explain fees and risks', '- run the conflict-of-interest check'],
  ['2. Before the meeting', '- check the power of attorney and identity papers', '- build a timeline, list the questions', '- learn the detention centre rules'],
  ['3. During the meeting', '- explain the client\u2019s procedural rights', '- record the client\u2019s account faithfully', '- never pass on case information or objects'],
  ['4. The meeting record', '- read it back, have the client sign it', '- note time, place and who was present', '- file it with the case'],
  ['5. Reading the file', '- index the evidence in time order', '- check each item for legality and relevance', '- mark contradictions, write reading notes'],
  ['6. Examining evidence', '- when to move to exclude illegal evidence', '- form and substance of expert opinions', '- extraction and preservation of e-data'],
  ['7. Working with the authorities', '- submit opinions in writing', '- apply for evidence to be obtained or re-examined', '- keep a record of every contact'],
  ['8. Common risks', '- passing letters or objects for the client', '- case file material leaking', '- promising the client an outcome'],
  ['Summary', 'Meet early, read closely', 'Evidence review is the basis of the defence', 'Thank you'],
];

export function findFont(candidates: string[]): string | undefined {
  return candidates.find((file) => existsSync(file));
}

/**
 * Writes a lecture-like recording to `outFile` (H.264 + AAC in MP4). Answers which font was used
 * and whether the slide text is Chinese.
 */
export async function makeDemoSource(outFile: string, options: DemoSourceOptions = {}): Promise<{ font?: string; chinese: boolean }> {
  const seconds = options.seconds ?? DEMO_RECORDING_SECONDS;
  const width = options.width ?? 1280;
  const height = options.height ?? 720;
  const slideSeconds = options.slideSeconds ?? DEMO_SLIDE_SECONDS;
  const fps = options.fps ?? 5;
  const cjk = findFont(options.fonts?.cjk ?? CJK_FONTS);
  const font = cjk ?? findFont(options.fonts?.latin ?? LATIN_FONTS);
  const slides = cjk ? SLIDES_ZH : SLIDES_EN;
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'lectern-demo-src-'));
  try {
    const scale = height / 720;
    const filters: string[] = [];
    const slideCount = Math.max(1, Math.ceil(seconds / slideSeconds));
    for (let i = 0; i < slideCount; i++) {
      const lines = slides[i % slides.length]!;
      const from = i * slideSeconds;
      const to = from + slideSeconds;
      const enable = `enable='between(t,${from},${to})'`;
      // text goes through files: no escaping of Chinese punctuation, colons or quotes in filter syntax
      const titleFile = path.join(workDir, `s${i}-title.txt`);
      const bodyFile = path.join(workDir, `s${i}-body.txt`);
      await writeFile(titleFile, lines[0]!);
      await writeFile(bodyFile, lines.slice(1).join('\n'));
      const fontArg = font ? `fontfile='${font}':` : '';
      filters.push(`drawbox=x=0:y=0:w=iw:h=${Math.round(120 * scale)}:color=0x1f4e79@1:t=fill:${enable}`);
      if (font) {
        filters.push(`drawtext=${fontArg}textfile='${titleFile}':fontcolor=white:fontsize=${Math.round(48 * scale)}:x=${Math.round(60 * scale)}:y=${Math.round(36 * scale)}:${enable}`);
        filters.push(
          `drawtext=${fontArg}textfile='${bodyFile}':fontcolor=0x222222:fontsize=${Math.round(38 * scale)}:line_spacing=${Math.round(28 * scale)}:x=${Math.round(80 * scale)}:y=${Math.round(190 * scale)}:${enable}`,
        );
      } else {
        // No font file at all (a bare machine): bars stand in for the lines of text, so the
        // recording still has slide changes for the slides track and the player.
        lines.slice(1).forEach((line, n) => {
          const w = Math.round(Math.min(1100, 40 + line.length * 22) * scale);
          filters.push(`drawbox=x=${Math.round(80 * scale)}:y=${Math.round((200 + n * 70) * scale)}:w=${w}:h=${Math.round(30 * scale)}:color=0x555555@1:t=fill:${enable}`);
        });
      }
    }
    const clockFile = path.join(workDir, 'clock.txt');
    await writeFile(clockFile, '%{pts:hms}');
    const fontArg = font ? `fontfile='${font}':` : '';
    if (font) filters.push(`drawtext=${fontArg}textfile='${clockFile}':fontcolor=0x666666:fontsize=${Math.round(24 * scale)}:x=w-tw-${Math.round(30 * scale)}:y=h-th-${Math.round(24 * scale)}`);

    // Speech-like: band-limited noise shaped by a syllable-rate envelope (about 4 per second)
    // with phrase pauses every few seconds. The envelope is worked out once per 32 ms block of
    // samples (volume's eval=frame), not per sample: per sample, it cost most of the recording's time.
    const audio =
      `anoisesrc=color=pink:sample_rate=16000:amplitude=0.6:duration=${seconds}:nb_samples=512,` +
      `bandpass=f=900:width_type=h:w=1400,` +
      `volume='(0.15+0.85*abs(sin(2*PI*2.1*t)))*(0.5+0.5*sin(2*PI*0.37*t+sin(2*PI*0.11*t)))*gt(sin(2*PI*0.19*t)+0.75,0)':eval=frame`;

    const args = [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `color=c=0xf7f4ec:s=${width}x${height}:r=${fps}:d=${seconds}`,
      '-f', 'lavfi', '-i', audio,
      '-vf', filters.join(','),
      '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '20', '-pix_fmt', 'yuv420p', '-g', '250',
      '-c:a', 'aac', '-b:a', '64k', '-ac', '1',
      '-shortest', '-movflags', '+faststart',
      outFile,
    ];
    await runFfmpeg(options.ffmpegPath ?? (await ffmpegBinary()), args, options.signal);
    return { font, chinese: Boolean(cjk) };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function ffmpegBinary(): Promise<string> {
  const { resolveFfmpegTools } = await import('../../transcoder/ffmpeg.ts');
  return resolveFfmpegTools().ffmpegPath;
}

/**
 * Reads nothing a user wrote (lavfi graphs and text files made above), so it needs none of the
 * input allow-lists of transcoder/containers.ts; the recording it makes goes through them like
 * any upload when the worker probes it.
 */
function runFfmpeg(ffmpegPath: string, args: string[], signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'], signal });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`ffmpeg exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

/** The recording's size and pace; tests make a short, small one. */
export interface DemoRecording {
  seconds?: number;
  fps?: number;
  width?: number;
  height?: number;
}

/**
 * The demo recording's source file name: how a restart finds the recording it already made (a
 * lecture waiting for the demo media has no job of its own, only the recording's lecture has).
 */
export const DEMO_RECORDING_NAME = 'lectern-demo-recording.mp4';

/**
 * Makes the demo recording for a lecture, stores it as the lecture's source and queues its job.
 * The in-process worker picks it up like any upload.
 */
export async function prepareDemoLecture(
  deps: Pick<AppDeps, 'db' | 'storage'>,
  lectureId: string,
  options: { log?: DemoMediaLogger; signal?: AbortSignal; recording?: DemoRecording } = {},
): Promise<string> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'lectern-demo-'));
  try {
    const file = path.join(workDir, DEMO_RECORDING_NAME);
    const started = Date.now();
    const made = await makeDemoSource(file, { ...options.recording, signal: options.signal });
    if (!made.chinese) {
      options.log?.warn({ font: made.font ?? null }, 'demo lecture: no CJK font found (looked for Noto Sans CJK / WenQuanYi under /usr/share/fonts); its slides are in English');
    }
    const { size } = await stat(file);
    const sourceId = randomUUID();
    const key = sourceKey(lectureId, sourceId);
    await deps.storage.put(key, createReadStream(file), { contentType: 'video/mp4' });
    const service = transcodingServiceOver(deps.db, deps.storage);
    const job = await deps.db.transaction((tx) =>
      service.enqueueSource(tx, { id: sourceId, lectureId, storageKey: key, bytes: size, originalName: DEMO_RECORDING_NAME, contentType: 'video/mp4' }),
    );
    options.log?.info({ lectureId, jobId: job.id, bytes: size, ms: Date.now() - started }, 'demo lecture recording made; transcoding in the background');
    return job.id;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

export interface WaitingDemoOptions {
  log?: DemoMediaLogger;
  signal?: AbortSignal;
  recording?: DemoRecording;
  /** how often to look whether the recording's transcode has finished */
  pollMs?: number;
  /** the province seed's moment (default: now) */
  now?: Date;
}

/**
 * Demo lectures seeded without media (the core demo's, and on the first start the province's,
 * seeded here): one recording is made and queued for the first of them — unless an earlier,
 * interrupted start already did — and once the worker has transcoded it, all the others are made
 * ready on a shared copy of its package. Waits for that (the caller runs it in the background and
 * aborts it on shutdown). Answers the lectures handled.
 */
export async function prepareWaitingDemoLectures(deps: Pick<AppDeps, 'db' | 'storage'>, options: WaitingDemoOptions = {}): Promise<string[]> {
  const started = Date.now();
  const service = transcodingServiceOver(deps.db, deps.storage);
  const before = await service.jobs.processingLecturesWithoutJob();
  if (before.length === 0) return [];

  // What to record for is settled first; then the province (a first start only: the core demo's
  // lecture still waits for its media) is seeded while ffmpeg draws the recording.
  let recording = await demoRecording(deps.db);
  const recordFor = recording ? null : (await inCreationOrder(deps.db, before))[0]!;
  const province = seedProvinceOnce(deps.db, options).catch((err: unknown) => {
    options.log?.warn({ err }, 'could not seed the demo province; the core demo stays as it is');
    return null;
  });
  let jobId: string;
  try {
    jobId = recording?.jobId ?? (await prepareDemoLecture(deps, recordFor!, options));
  } finally {
    await province;
  }
  recording ??= await demoRecording(deps.db);

  const job = await waitForJob(service, jobId, options);
  const waiting = await service.jobs.processingLecturesWithoutJob();
  if (job.status === 'done' && recording) {
    const shared = await shareRecording(deps, recording.lectureId, waiting);
    options.log?.info({ lectures: waiting.length + 1, prefix: shared, ms: Date.now() - started }, 'demo lectures ready: one recording, transcoded once');
    // what the slides say, as subtitles: captions and a transcript for the slowest lines
    const subtitled = await seedDemoSubtitles(deps, [recording.lectureId, ...waiting], DEMO_SLIDE_SECONDS).catch((err: unknown) => {
      options.log?.warn({ err }, 'could not store the demo subtitles; the demo lectures play without them');
      return 0;
    });
    options.log?.info({ lectures: subtitled }, 'demo subtitles stored');
  } else {
    // every demo lecture plays this recording: without it none can play
    const failure = jobFailure(job) ?? { code: 'transcode_error', reasonZh: '演示录像转码失败。', reasonEn: 'The demo recording could not be transcoded.' };
    if (waiting.length > 0) {
      await deps.db
        .update(lectures)
        .set({ status: 'failed', failureCode: failure.code, failureReasonZh: failure.reasonZh, failureReasonEn: failure.reasonEn, updatedAt: new Date() })
        .where(and(inArray(lectures.id, waiting), eq(lectures.status, 'processing')));
    }
    options.log?.warn({ jobId, failure: failure.code }, 'the demo recording failed; the demo lectures waiting for it failed with it');
  }
  return [...new Set([...before, ...waiting])];
}

async function seedProvinceOnce(db: Db, options: WaitingDemoOptions): Promise<ProvinceSummary | null> {
  if ((await provinceSeeded(db)) || !(await findDemo(db))) return null;
  const summary = await seedProvince(db, { now: options.now });
  options.log?.info({ ...summary }, 'demo province seeded');
  return summary;
}

/** The newest demo recording's source and its job, if one was ever queued. */
async function demoRecording(db: Db): Promise<{ lectureId: string; jobId: string } | null> {
  const [row] = await db
    .select({ lectureId: mediaSources.lectureId, jobId: transcodeJobs.id })
    .from(mediaSources)
    .innerJoin(transcodeJobs, eq(transcodeJobs.sourceId, mediaSources.id))
    .where(eq(mediaSources.originalName, DEMO_RECORDING_NAME))
    .orderBy(desc(mediaSources.createdAt), desc(transcodeJobs.createdAt))
    .limit(1);
  return row ?? null;
}

/** The lectures in the order they were made: the core demo's lecture first. */
async function inCreationOrder(db: Db, ids: string[]): Promise<string[]> {
  const rows = await db.select({ id: lectures.id }).from(lectures).where(inArray(lectures.id, ids)).orderBy(asc(lectures.createdAt), asc(lectures.position), asc(lectures.id));
  return rows.map((r) => r.id);
}

async function waitForJob(service: TranscodingService, jobId: string, options: WaitingDemoOptions): Promise<TranscodeJobRow> {
  for (;;) {
    const job = await service.jobs.find(jobId);
    if (!job) throw new Error(`the demo recording's job ${jobId} is gone`);
    if (job.status === 'done' || job.status === 'failed') return job;
    await sleep(options.pollMs ?? 2000, undefined, { signal: options.signal });
  }
}

/** Playlists may change meaning; everything else in a package never does (as TranscodingService uploads them). */
const cacheControlFor = (key: string) => (isPlaylist(key) ? 'public, max-age=60' : 'public, max-age=31536000, immutable');

/**
 * Copies the recording lecture's package to `demo/recordings/<packageId>/` (once: a restart finds
 * the copy complete by its master playlist, which is written last) and points the waiting lectures
 * at it. The copy belongs to no lecture, so replacing any demo lecture's recording later never
 * deletes what the others play. Answers the shared prefix.
 */
async function shareRecording(deps: Pick<AppDeps, 'db' | 'storage'>, recordingLectureId: string, waiting: string[]): Promise<string | null> {
  const [source] = await deps.db.select({ prefix: lectures.packagePrefix, duration: lectures.durationSeconds }).from(lectures).where(eq(lectures.id, recordingLectureId));
  if (!source?.prefix || !source.duration) return null;
  const packageId = source.prefix.split('/').filter(Boolean).pop()!;
  const shared = `demo/recordings/${packageId}/`;
  if (!(await deps.storage.head(`${shared}${MASTER_PLAYLIST}`))) {
    const objects = await deps.storage.list(source.prefix);
    const copy = async (key: string) => {
      const target = shared + key.slice(source.prefix!.length);
      const object = await deps.storage.get(key);
      await deps.storage.put(target, object.body, { contentType: contentTypeFor(target), cacheControl: cacheControlFor(target) });
    };
    const last = `${source.prefix}${MASTER_PLAYLIST}`;
    const queue = objects.map((o) => o.key).filter((key) => key !== last);
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let key = queue.shift(); key !== undefined; key = queue.shift()) await copy(key);
      }),
    );
    await copy(last);
  }
  const others = waiting.filter((id) => id !== recordingLectureId);
  if (others.length > 0) {
    await deps.db
      .update(lectures)
      .set({ status: 'ready', durationSeconds: source.duration, packagePrefix: shared, failureCode: null, failureReasonZh: null, failureReasonEn: null, updatedAt: new Date() })
      .where(and(inArray(lectures.id, others), eq(lectures.status, 'processing')));
  }
  return shared;
}
