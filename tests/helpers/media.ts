/**
 * Test media made with ffmpeg on the spot (never committed): lecture-like clips with Chinese slide
 * text, a moving "speaker" inset, camera-like noise and speech-like audio, plus the bad files a
 * trainer might upload by mistake.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { resolveFfmpegTools } from '../../transcoder/ffmpeg.ts';

const execFileAsync = promisify(execFile);

export interface MediaOptions {
  seconds?: number;
  width?: number;
  height?: number;
  fps?: number;
  withAudio?: boolean;
  withVideo?: boolean;
  /** swap width and height */
  portrait?: boolean;
  /** a new slide (title bar colour and text) every this many seconds */
  slideSeconds?: number;
  /** temporal noise strength like a cheap camera (0 = clean) */
  noise?: number;
  /** x264 CRF of the generated file (lower = bigger, closer to a camera original) */
  crf?: number;
  /** container extension */
  extension?: 'mp4' | 'mkv' | 'mov';
  fileName?: string;
}

const SLIDE_TEXTS = [
  ['第一讲  县域律师执业实务', '一、合同纠纷的证据收集', '二、诉讼时效的计算与中断', '三、调解与和解的技巧'],
  ['第二讲  劳动争议案件办理', '一、劳动关系的认定标准', '二、经济补偿金的计算方法', '三、仲裁前置程序要点'],
  ['第三讲  民间借贷与担保', '一、借贷合意与款项交付', '二、利率上限的司法保护', '三、保证责任的期间'],
  ['第四讲  行政诉讼基础', '一、受案范围与起诉期限', '二、被告的确定', '三、举证责任的分配'],
  ['第五讲  刑事辩护要点', '一、会见与阅卷', '二、非法证据排除', '三、认罪认罚从宽制度'],
  ['第六讲  律师职业道德', '一、利益冲突的审查', '二、保密义务', '三、收费与委托合同'],
];
const BAR_COLOURS = ['0x1e3a8a', '0x7c2d12', '0x14532d', '0x581c87', '0x0f766e', '0x9a3412'];

let cjkFont: string | null | undefined;

/** A font with Chinese glyphs (fonts-noto-cjk), or null: drawtext then uses its default font. */
export async function findCjkFont(): Promise<string | null> {
  if (cjkFont !== undefined) return cjkFont;
  cjkFont = null;
  try {
    const { stdout } = await execFileAsync('fc-match', ['-f', '%{file}', 'Noto Sans CJK SC:lang=zh-cn']);
    if (stdout && existsSync(stdout) && /cjk|wqy|droid|hei|song|ming/i.test(stdout)) cjkFont = stdout;
  } catch {
    // no fontconfig tools: fall through to the known Debian paths
  }
  for (const candidate of ['/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc']) {
    if (!cjkFont && existsSync(candidate)) cjkFont = candidate;
  }
  return cjkFont;
}

export class MediaWorkspace {
  private constructor(readonly dir: string) {}

  static async create(prefix = 'lectern-media-'): Promise<MediaWorkspace> {
    return new MediaWorkspace(await mkdtemp(path.join(os.tmpdir(), prefix)));
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  /** A lecture-like clip. Defaults: 4 s, 640×360, 25 fps, with audio and video. */
  async video(options: MediaOptions = {}): Promise<string> {
    const seconds = options.seconds ?? 4;
    let width = options.width ?? 640;
    let height = options.height ?? 360;
    if (options.portrait) [width, height] = [height, width];
    const fps = options.fps ?? 25;
    const withAudio = options.withAudio ?? true;
    const withVideo = options.withVideo ?? true;
    const extension = options.extension ?? (withVideo ? 'mp4' : 'm4a');
    const out = this.file(options.fileName ?? `clip-${width}x${height}-${fps}-${seconds}s-${withVideo ? 'v' : ''}${withAudio ? 'a' : ''}-${Math.random().toString(36).slice(2, 8)}.${extension}`);
    const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'];
    if (withVideo) {
      args.push('-f', 'lavfi', '-i', `color=c=0xf8fafc:s=${width}x${height}:r=${fps}:d=${seconds}`);
      args.push('-f', 'lavfi', '-i', `color=c=0x3f4a56:s=${even(width / 4)}x${even(height / 3)}:r=${fps}:d=${seconds}`);
      args.push('-f', 'lavfi', '-i', `color=c=0xd6a77a:s=${even(width / 12)}x${even(height / 8)}:r=${fps}:d=${seconds}`);
    }
    if (withAudio) args.push('-f', 'lavfi', '-i', speechLikeAudio(seconds));
    if (withVideo) {
      args.push('-filter_complex', await this.lectureGraph({ width, height, seconds, slideSeconds: options.slideSeconds ?? 20, noise: options.noise ?? 0 }));
      args.push('-map', '[v]', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', String(options.crf ?? 23), '-pix_fmt', 'yuv420p');
    }
    if (withAudio) args.push('-map', `${withVideo ? 3 : 0}:a`, '-c:a', 'aac', '-b:a', '96k', '-ac', '2');
    args.push('-t', String(seconds), out);
    await ffmpeg(args);
    return out;
  }

  /** Slides with Chinese text, a coloured title bar per slide, a swaying speaker in an inset. */
  private async lectureGraph(o: { width: number; height: number; seconds: number; slideSeconds: number; noise: number }): Promise<string> {
    const font = await findCjkFont();
    const fontOption = font ? `fontfile=${font}:` : '';
    const slideCount = Math.max(1, Math.ceil(o.seconds / o.slideSeconds));
    const size = Math.max(10, Math.round(o.height / 16));
    const filters: string[] = [];
    for (let k = 0; k < slideCount; k++) {
      const text = SLIDE_TEXTS[k % SLIDE_TEXTS.length]!;
      const enable = `enable='between(t,${k * o.slideSeconds},${(k + 1) * o.slideSeconds - 0.001})'`;
      filters.push(`drawbox=x=0:y=0:w=iw:h=${Math.round(o.height / 7)}:color=${BAR_COLOURS[k % BAR_COLOURS.length]}:t=fill:${enable}`);
      for (let line = 0; line < text.length; line++) {
        const textFile = this.file(`slide-${k}-${line}.txt`);
        await writeFile(textFile, text[line]!);
        const y = line === 0 ? Math.round(o.height / 28) : Math.round(o.height / 4 + line * size * 2);
        const colour = line === 0 ? 'white' : '0x111827';
        filters.push(`drawtext=${fontOption}textfile=${textFile}:fontsize=${line === 0 ? Math.round(size * 1.2) : size}:fontcolor=${colour}:x=${Math.round(o.width / 20)}:y=${y}:${enable}`);
      }
    }
    const insetX = o.width - even(o.width / 4) - Math.round(o.width / 40);
    const insetY = o.height - even(o.height / 3) - Math.round(o.height / 30);
    const noise = o.noise > 0 ? `,noise=alls=${o.noise}:allf=t+u` : '';
    return [
      `[0:v]${filters.join(',')}[slides]`,
      // the "speaker": a face-coloured block swaying inside a dark inset
      `[1:v][2:v]overlay=x='(W-w)/2+(W/6)*sin(2*PI*t/5)':y='(H-h)/3+(H/20)*sin(2*PI*t/3)'[speaker]`,
      `[slides][speaker]overlay=x=${insetX}:y=${insetY}${noise},format=yuv420p[v]`,
    ].join(';');
  }

  /** Audio only, as a phone's voice memo would be. */
  audioOnly(seconds = 4): Promise<string> {
    return this.video({ seconds, withVideo: false, withAudio: true, extension: undefined, fileName: `voice-${seconds}s.m4a` });
  }

  /** Video without a sound track (screen recording with the microphone off). */
  videoOnly(options: MediaOptions = {}): Promise<string> {
    return this.video({ ...options, withAudio: false });
  }

  /** A text file renamed .mp4. */
  async textAsMp4(): Promise<string> {
    const out = this.file('notes.mp4');
    await writeFile(out, '第一讲讲义\n这是讲稿文本，不是录像。\nLecture notes, not a recording.\n'.repeat(50));
    return out;
  }

  async zeroBytes(): Promise<string> {
    const out = this.file('empty.mp4');
    await writeFile(out, '');
    return out;
  }

  /** The first half of a real mp4 (moov at the end, so the index is missing): an interrupted upload. */
  async truncatedMp4(): Promise<string> {
    const source = await this.video({ seconds: 3, width: 320, height: 180 });
    const bytes = await readFile(source);
    const out = this.file('cut-in-half.mp4');
    await writeFile(out, bytes.subarray(0, Math.floor(bytes.length / 2)));
    return out;
  }

  /** The first half of a "fast start" mp4: ffprobe reads the index, the data is missing. */
  async truncatedFastStartMp4(): Promise<string> {
    const source = await this.video({ seconds: 4, width: 320, height: 180 });
    const fast = this.file('faststart.mp4');
    await ffmpeg(['-hide_banner', '-loglevel', 'error', '-y', '-i', source, '-c', 'copy', '-movflags', '+faststart', fast]);
    const bytes = await readFile(fast);
    const out = this.file('faststart-cut.mp4');
    await writeFile(out, bytes.subarray(0, Math.floor(bytes.length / 2)));
    return out;
  }

  /** A subtitle file: ffmpeg opens it, but it has neither picture nor sound. */
  async subtitlesOnly(): Promise<string> {
    const out = this.file('captions.srt');
    await writeFile(out, '1\n00:00:00,000 --> 00:00:02,000\n合同纠纷\n\n2\n00:00:02,000 --> 00:00:04,000\n劳动争议\n');
    const mkv = this.file('captions-only.mkv');
    await ffmpeg(['-hide_banner', '-loglevel', 'error', '-y', '-i', out, '-c:s', 'copy', mkv]);
    return mkv;
  }
}

function even(value: number): number {
  return Math.max(2, Math.round(value / 2) * 2);
}

/** Pink noise shaped to the speech band with a syllable-rate envelope: compresses like a voice. */
function speechLikeAudio(seconds: number): string {
  return `anoisesrc=c=pink:a=0.5:d=${seconds}:r=48000,bandpass=f=700:width_type=h:w=1200,volume='0.25+0.75*abs(sin(2*PI*2.3*t))*gt(sin(2*PI*0.4*t),-0.6)':eval=frame`;
}

export async function ffmpeg(args: string[]): Promise<void> {
  const { ffmpegPath } = resolveFfmpegTools();
  await execFileAsync(ffmpegPath, args, { maxBuffer: 64 * 1024 * 1024 });
}
