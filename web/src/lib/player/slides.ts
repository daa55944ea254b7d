/**
 * The slides track (slides.json: [{t, src, width, height}], t in media seconds, src relative to
 * slides.json) and the seek-bar thumbnails (thumbs.vtt cues "thumbs.jpg#xywh=x,y,w,h"). Pure.
 */

export interface Slide {
  t: number;
  src: string;
  width: number;
  height: number;
}

/** Validates slides.json, resolves each src against its URL and sorts by time. */
export function parseSlides(json: unknown, baseUrl: string): Slide[] {
  if (!Array.isArray(json)) return [];
  const out: Slide[] = [];
  for (const item of json) {
    if (!item || typeof item !== 'object') continue;
    const { t, src, width, height } = item as Record<string, unknown>;
    if (typeof t !== 'number' || !Number.isFinite(t) || typeof src !== 'string' || !src) continue;
    let url: string;
    try {
      url = new URL(src, baseUrl).href;
    } catch {
      continue;
    }
    out.push({ t, src: url, width: typeof width === 'number' ? width : 0, height: typeof height === 'number' ? height : 0 });
  }
  return out.sort((a, b) => a.t - b.t);
}

/** Index of the slide on screen at media time `time` (the last one that started at or before it). */
export function slideIndexAt(slides: ReadonlyArray<Slide>, time: number): number {
  if (slides.length === 0) return -1;
  let lo = 0;
  let hi = slides.length - 1;
  if (time < slides[0]!.t) return 0; // before the first change the first slide is what there is
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (slides[mid]!.t <= time) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export interface Thumb {
  start: number;
  end: number;
  url: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

function vttTime(text: string): number | null {
  const match = /^(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)$/.exec(text.trim());
  if (!match) return null;
  return Number(match[1] ?? 0) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

/** Parses a thumbnail WebVTT file; image URLs are resolved against the VTT's own URL. */
export function parseThumbsVtt(text: string, baseUrl: string): Thumb[] {
  const out: Thumb[] = [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.includes('-->')) continue;
    const [startText, endText] = line.split('-->');
    const start = vttTime(startText ?? '');
    const end = vttTime((endText ?? '').trim().split(/\s+/)[0] ?? '');
    const target = (lines[i + 1] ?? '').trim();
    if (start === null || end === null || !target) continue;
    const [path, fragment] = target.split('#');
    const xywh = /xywh=(\d+),(\d+),(\d+),(\d+)/.exec(fragment ?? '');
    let url: string;
    try {
      url = new URL(path ?? '', baseUrl).href;
    } catch {
      continue;
    }
    out.push({ start, end, url, x: Number(xywh?.[1] ?? 0), y: Number(xywh?.[2] ?? 0), w: Number(xywh?.[3] ?? 0), h: Number(xywh?.[4] ?? 0) });
  }
  return out.sort((a, b) => a.start - b.start);
}

export function thumbAt(thumbs: ReadonlyArray<Thumb>, time: number): Thumb | null {
  let found: Thumb | null = null;
  for (const thumb of thumbs) {
    if (thumb.start <= time) found = thumb;
    else break;
  }
  return found;
}
