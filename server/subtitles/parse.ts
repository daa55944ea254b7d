/**
 * Pure: a trainer's subtitle file (WebVTT or SRT bytes) → checked cues, and cues → the
 * normalised WebVTT Lectern stores and serves (docs/subtitles.md). Every refusal names the line
 * a trainer should look at, so the upload can say "第 12 行：时间格式不正确".
 *
 * Hand-written rather than a library: media-captions (the best-kept parser on npm) drops a cue
 * whose end is before its start without any error and gives its cues no line numbers, and the
 * others parse one format only or report no lines; the checks here are the point of the module.
 */
// A cue (seconds with millisecond precision, plain text) has the shape the transcript answers (schemas.ts).
import type { Cue } from './schemas.ts';

export type { Cue };

export type SubtitleFormat = 'vtt' | 'srt';

export type SubtitleProblem =
  | 'subtitle_not_utf8'
  | 'subtitle_bad_text'
  | 'subtitle_bad_header'
  | 'subtitle_bad_timing'
  | 'subtitle_bad_timestamp'
  | 'subtitle_end_before_start'
  | 'subtitle_out_of_order'
  | 'subtitle_beyond_duration'
  | 'subtitle_no_cues';

export const SUBTITLE_PROBLEMS: readonly SubtitleProblem[] = [
  'subtitle_not_utf8',
  'subtitle_bad_text',
  'subtitle_bad_header',
  'subtitle_bad_timing',
  'subtitle_bad_timestamp',
  'subtitle_end_before_start',
  'subtitle_out_of_order',
  'subtitle_beyond_duration',
  'subtitle_no_cues',
];

export class SubtitleFileError extends Error {
  constructor(
    readonly code: SubtitleProblem,
    /** 1-based line of the file */
    readonly line: number,
    message: string,
  ) {
    super(`Line ${line}: ${message}`);
  }
}

export interface ParseOptions {
  /** the lecture's length; cues may end at most `slackSeconds` after it (unknown: not checked) */
  durationSeconds?: number | null;
  slackSeconds?: number;
}

/** How far past the lecture's end a cue may run (players and encoders round the last frame). */
export const DURATION_SLACK_SECONDS = 5;

const TIMESTAMP = /^(?:(\d{1,3}):)?(\d{1,2}):(\d{2})[.,](\d{1,3})$/;

/** A timestamp in seconds, or null when it is not one (`00:01.500`, `01:02:03,450`). */
export function parseTimestamp(text: string): number | null {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return null;
  const hours = m[1] === undefined ? 0 : Number(m[1]);
  const minutes = Number(m[2]);
  const seconds = Number(m[3]);
  if (minutes >= 60 || seconds >= 60) return null;
  const millis = Number(m[4]!.padEnd(3, '0'));
  return (hours * 3600_000 + minutes * 60_000 + seconds * 1000 + millis) / 1000;
}

/** `hh:mm:ss.mmm` (`,` for SRT). */
export function formatTimestamp(seconds: number, separator: '.' | ',' = '.'): string {
  const total = Math.round(seconds * 1000);
  const ms = total % 1000;
  const s = Math.floor(total / 1000) % 60;
  const m = Math.floor(total / 60_000) % 60;
  const h = Math.floor(total / 3600_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(h)}:${two(m)}:${two(s)}${separator}${String(ms).padStart(3, '0')}`;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', nbsp: ' ', lrm: '', rlm: '', quot: '"', apos: "'" };

/** Cue payload → plain text: tags (`<i>`, `<c.x>`, `<00:01.000>`, `{\an8}`) out, entities decoded. */
export function plainCueText(payload: string): string {
  return payload
    .split('\n')
    .map((line) =>
      line
        .replace(/<[^>]*>/g, '')
        .replace(/\{\\[^}]*\}/g, '')
        .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
          if (name[0] === '#') {
            const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
            return code > 0 && code <= 0x10ffff && code !== 0 ? String.fromCodePoint(code) : whole;
          }
          return ENTITIES[name.toLowerCase()] ?? whole;
        })
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter((line) => line !== '')
    .join('\n');
}

/** Bytes → text, refusing what is not UTF-8 (a GBK file) and NUL or other control characters. */
export function decodeSubtitleBytes(bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const lossy = new TextDecoder('utf-8').decode(bytes);
    const at = lossy.indexOf('\uFFFD');
    throw new SubtitleFileError('subtitle_not_utf8', lineAt(lossy, at < 0 ? 0 : at), 'the file is not UTF-8 text (save it as UTF-8)');
  }
  const control = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.exec(text);
  if (control) throw new SubtitleFileError('subtitle_bad_text', lineAt(text, control.index), 'the file contains control characters; it is not a subtitle file');
  return text;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Parses and checks a subtitle file. `declared` is what the upload said (its content type); a
 * file that starts with `WEBVTT` is read as WebVTT whatever it was called.
 */
export function parseSubtitles(bytes: Uint8Array, declared: SubtitleFormat, options: ParseOptions = {}): { format: SubtitleFormat; cues: Cue[] } {
  const text = decodeSubtitleBytes(bytes);
  return parseSubtitleText(text, declared, options);
}

export function parseSubtitleText(input: string, declared: SubtitleFormat, options: ParseOptions = {}): { format: SubtitleFormat; cues: Cue[] } {
  const lines = input.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const isVtt = /^WEBVTT(?:[ \t].*)?$/.test(lines[0] ?? '');
  if (declared === 'vtt' && !isVtt) throw new SubtitleFileError('subtitle_bad_header', 1, 'a WebVTT file starts with the line WEBVTT');
  const format: SubtitleFormat = isVtt ? 'vtt' : 'srt';
  const cues: Cue[] = [];
  const limit = options.durationSeconds != null && options.durationSeconds > 0 ? options.durationSeconds + (options.slackSeconds ?? DURATION_SLACK_SECONDS) : null;

  let i = 0;
  if (isVtt) {
    // the header block runs to the first blank line
    while (i < lines.length && lines[i]!.trim() !== '') i++;
  }
  while (i < lines.length) {
    while (i < lines.length && lines[i]!.trim() === '') i++;
    if (i >= lines.length) break;
    const blockStart = i;
    const block: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '') block.push(lines[i++]!);
    if (isVtt && /^(NOTE|STYLE|REGION)(?:[ \t]|$)/.test(block[0]!)) continue;
    // the timing line is the first or (after an identifier / SRT's number) the second
    let timingIndex = block[0]!.includes('-->') ? 0 : 1;
    if (timingIndex === 1 && (block.length < 2 || !block[1]!.includes('-->'))) {
      throw new SubtitleFileError('subtitle_bad_timing', blockStart + 2, 'a cue needs a timing line such as 00:00:01,000 --> 00:00:04,000');
    }
    const timingLine = block[timingIndex]!;
    const lineNo = blockStart + timingIndex + 1;
    const [left = '', rest = ''] = splitOnce(timingLine, '-->');
    const right = rest.trim().split(/[ \t]+/)[0] ?? '';
    const start = parseTimestamp(left);
    const end = parseTimestamp(right);
    if (start === null || end === null) {
      throw new SubtitleFileError('subtitle_bad_timestamp', lineNo, `"${timingLine.trim().slice(0, 60)}" is not a timing line such as 00:00:01,000 --> 00:00:04,000`);
    }
    if (end <= start) throw new SubtitleFileError('subtitle_end_before_start', lineNo, 'the cue ends before it starts');
    const previous = cues[cues.length - 1];
    if (previous && start < previous.start) throw new SubtitleFileError('subtitle_out_of_order', lineNo, 'the cue starts before the one above it');
    if (limit !== null && end > limit) {
      throw new SubtitleFileError('subtitle_beyond_duration', lineNo, `the cue ends after the lecture (${formatTimestamp(options.durationSeconds!)})`);
    }
    timingIndex++;
    const cueText = plainCueText(block.slice(timingIndex).join('\n'));
    if (cueText === '') continue; // a cue that shows nothing
    cues.push({ start, end, text: cueText });
  }
  if (cues.length === 0) throw new SubtitleFileError('subtitle_no_cues', Math.max(1, lines.length), 'the file has no cues with text');
  return { format, cues };
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + separator.length)];
}

function escapeCueText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The normalised WebVTT Lectern stores and serves: header, then each cue's timing and text. */
export function renderVtt(cues: readonly Cue[]): string {
  return `WEBVTT\n\n${cues.map((c) => `${formatTimestamp(c.start)} --> ${formatTimestamp(c.end)}\n${escapeCueText(c.text)}\n`).join('\n')}`;
}

/** SRT of the same cues (the tests' fixture writer; trainers' files come in this shape). */
export function renderSrt(cues: readonly Cue[]): string {
  return cues.map((c, n) => `${n + 1}\n${formatTimestamp(c.start, ',')} --> ${formatTimestamp(c.end, ',')}\n${escapeCueText(c.text)}\n`).join('\n');
}

/**
 * What the catalog search reads: the cues' text joined by line breaks, and where each cue starts
 * in it (1-based, in characters as PostgreSQL's strpos counts them), so a hit finds its cue.
 */
export function transcriptOf(cues: readonly Cue[]): { text: string; offsets: number[] } {
  const offsets: number[] = [];
  let at = 1;
  for (const cue of cues) {
    offsets.push(at);
    at += [...cue.text].length + 1;
  }
  return { text: cues.map((c) => c.text).join('\n'), offsets };
}
