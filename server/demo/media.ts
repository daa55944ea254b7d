/**
 * Media for the demo lecture: ffmpeg draws a lecture-like recording (slides that change every
 * 30 s, Chinese text when a CJK font is installed, a running clock, speech-like audio), the file
 * goes into storage as the lecture's source, and a transcode job is queued. The lecture becomes
 * ready through the same worker path as an upload; start-up does not wait for it.
 *
 * Cheap on purpose (x264 ultrafast, 25 fps, lavfi sources): on 2 cores the source takes seconds,
 * and the transcode most of the minute or two before the demo lecture turns ready.
 */
import { spawn } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../app.ts';
import { TranscodingService, sourceKey } from '../transcoding/service.ts';

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

const SLIDES_ZH = [
  ['县域律师刑事辩护实务', '第一讲：会见与阅卷要点', '中华全国律师协会 · 演示课程'],
  ['一、会见前的准备', '· 核对委托手续与身份材料', '· 梳理案情时间线，列出待问事项', '· 了解羁押场所的会见规定'],
  ['二、会见中的沟通', '· 告知当事人诉讼权利', '· 如实记录当事人的陈述', '· 不得泄露案件信息、不得传递违禁物品'],
  ['三、阅卷的方法', '· 按时间顺序整理证据目录', '· 逐份审查证据的合法性与关联性', '· 标注矛盾之处，形成阅卷笔录'],
  ['四、证据审查要点', '· 非法证据排除的启动条件', '· 鉴定意见的形式与实质审查', '· 电子数据的提取与保全'],
  ['小结', '会见要及时，阅卷要细致', '证据审查是辩护的基础', '谢谢观看'],
];
const SLIDES_EN = [
  ['Criminal defence for county lawyers', 'Lecture 1: client meetings and the case file', 'Demo course'],
  ['1. Before the meeting', '- check the power of attorney and identity papers', '- build a timeline, list the questions', '- learn the detention centre rules'],
  ['2. During the meeting', '- explain the client\u2019s procedural rights', '- record the client\u2019s account faithfully', '- never pass on case information or objects'],
  ['3. Reading the file', '- index the evidence in time order', '- check each item for legality and relevance', '- mark contradictions, write reading notes'],
  ['4. Examining evidence', '- when to move to exclude illegal evidence', '- form and substance of expert opinions', '- extraction and preservation of e-data'],
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
  const seconds = options.seconds ?? 180;
  const width = options.width ?? 1280;
  const height = options.height ?? 720;
  const slideSeconds = options.slideSeconds ?? 30;
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
    // with phrase pauses every few seconds.
    const audio =
      `anoisesrc=color=pink:sample_rate=16000:amplitude=0.6:duration=${seconds},` +
      `bandpass=f=900:width_type=h:w=1400,` +
      `aeval='val(0)*(0.15+0.85*abs(sin(2*PI*2.1*t)))*(0.5+0.5*sin(2*PI*0.37*t+sin(2*PI*0.11*t)))*gt(sin(2*PI*0.19*t)+0.75,0)':c=same`;

    const args = [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `color=c=0xf7f4ec:s=${width}x${height}:r=25:d=${seconds}`,
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

/**
 * Makes the demo recording for a lecture, stores it as the lecture's source and queues its job.
 * The in-process worker picks it up like any upload.
 */
export async function prepareDemoLecture(
  deps: Pick<AppDeps, 'db' | 'storage'>,
  lectureId: string,
  options: { log?: DemoMediaLogger; signal?: AbortSignal; seconds?: number } = {},
): Promise<string> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'lectern-demo-'));
  try {
    const file = path.join(workDir, 'demo-lecture.mp4');
    const started = Date.now();
    const made = await makeDemoSource(file, { seconds: options.seconds ?? 180, signal: options.signal });
    if (!made.chinese) {
      options.log?.warn({ font: made.font ?? null }, 'demo lecture: no CJK font found (looked for Noto Sans CJK / WenQuanYi under /usr/share/fonts); its slides are in English');
    }
    const { size } = await stat(file);
    const sourceId = randomUUID();
    const key = sourceKey(lectureId, sourceId);
    await deps.storage.put(key, createReadStream(file), { contentType: 'video/mp4' });
    const service = new TranscodingService(deps.db, deps.storage);
    const job = await deps.db.transaction((tx) =>
      service.enqueueSource(tx, { id: sourceId, lectureId, storageKey: key, bytes: size, originalName: 'demo-lecture.mp4', contentType: 'video/mp4' }),
    );
    options.log?.info({ lectureId, jobId: job.id, bytes: size, ms: Date.now() - started }, 'demo lecture recording made; transcoding in the background');
    return job.id;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * Demo lectures that were seeded but never got their recording (a first start interrupted before
 * it was made): prepares them now. Answers the lectures handled.
 */
export async function prepareWaitingDemoLectures(deps: Pick<AppDeps, 'db' | 'storage'>, options: { log?: DemoMediaLogger; signal?: AbortSignal } = {}): Promise<string[]> {
  const service = new TranscodingService(deps.db, deps.storage);
  const waiting = await service.jobs.processingLecturesWithoutJob();
  for (const lectureId of waiting) {
    options.signal?.throwIfAborted();
    await prepareDemoLecture(deps, lectureId, options);
  }
  return waiting;
}
