/**
 * PURE: short audio fragments → audio segments on the video's schedule. No I/O here; package.ts
 * reads and writes the files.
 *
 * Why: the video starts with short segments (forced keyframes, ladder.ts), so the first picture
 * arrives fast on a slow line. The audio must start short too, or its first segment is the largest
 * thing a player fetches before it can start. ffmpeg's HLS muxer cannot do "a few short, then long"
 * for audio: `-hls_init_time` applies to EVERY segment of a VOD playlist (ffmpeg 4.x and 5.1), and
 * audio packets are all keyframes, so the keyframe trick of the video does not apply. So the audio
 * is cut into short fragments (`-hls_time` from `audioFragmentSeconds` in ladder.ts: the greatest
 * common divisor of the short and the steady segment length), and after ffmpeg the fragments past
 * the short start segments are joined into steady ones at the video's boundaries: each fragment
 * file is one fMP4 fragment (moof + mdat), and consecutive fragments one after another are a valid
 * fMP4 media segment (CMAF allows several fragments per segment).
 */
import { keyframeTimes, type SegmentSchedule } from './ladder.ts';

export interface Fragment {
  uri: string;
  duration: number;
}

/** One audio segment of the final playlist: `sources` joined, in order, into the file `uri`. */
export interface JoinedSegment {
  uri: string;
  sources: string[];
  duration: number;
}

/**
 * Groups fragments into segments: a fragment that starts (by the sum of the durations before it)
 * within half a fragment of a schedule boundary opens a new segment; any other joins the current
 * one. A last fragment shorter than half a fragment (the AAC tail, ~20 ms) joins the one before.
 * Segment i keeps the name of fragment i, so the files stay `seg-00000.m4s`, `seg-00001.m4s` …
 */
export function joinFragments(fragments: Fragment[], schedule: SegmentSchedule, fragmentSeconds: number): JoinedSegment[] {
  const total = fragments.reduce((sum, f) => sum + f.duration, 0);
  const boundaries = keyframeTimes(schedule, total + schedule.segmentSeconds).slice(1);
  const tolerance = fragmentSeconds / 2;
  const groups: { sources: string[]; duration: number }[] = [];
  let start = 0;
  fragments.forEach((fragment, i) => {
    const onBoundary = boundaries.some((b) => Math.abs(start - b) < tolerance);
    const tail = i === fragments.length - 1 && fragment.duration < tolerance;
    const current = groups.at(-1);
    if (!current || (onBoundary && !tail)) groups.push({ sources: [fragment.uri], duration: fragment.duration });
    else {
      current.sources.push(fragment.uri);
      current.duration += fragment.duration;
    }
    start += fragment.duration;
  });
  return groups.map((g, i) => ({ uri: fragments[i]!.uri, sources: g.sources, duration: g.duration }));
}

/**
 * The media playlist `text` with its segments replaced by `segments` (same header, a target
 * duration that fits the longer segments). Undefined when the playlist holds anything but plain
 * EXTINF + URI entries, or other URIs than the segments' sources: then it is left as it is.
 */
export function joinedPlaylist(text: string, segments: JoinedSegment[]): string | undefined {
  const lines = text.split('\n').map((l) => l.trim());
  const first = lines.findIndex((l) => l.startsWith('#EXTINF:'));
  if (first < 0) return undefined;
  const header = lines.slice(0, first);
  const uris: string[] = [];
  let ended = false;
  for (const line of lines.slice(first)) {
    if (line === '') continue;
    if (ended) return undefined;
    if (line === '#EXT-X-ENDLIST') ended = true;
    else if (line.startsWith('#EXTINF:')) continue;
    else if (line.startsWith('#')) return undefined;
    else uris.push(line);
  }
  const sources = segments.flatMap((s) => s.sources);
  if (sources.length !== uris.length || sources.some((uri, i) => uri !== uris[i])) return undefined;

  // RFC 8216: every EXTINF, rounded to the nearest integer, is at most the target duration
  const target = Math.max(1, ...segments.map((s) => Math.round(s.duration)));
  const out = header.map((line) => (line.startsWith('#EXT-X-TARGETDURATION:') ? `#EXT-X-TARGETDURATION:${target}` : line));
  while (out.at(-1) === '') out.pop();
  for (const s of segments) out.push(`#EXTINF:${s.duration.toFixed(6)},`, s.uri);
  if (ended) out.push('#EXT-X-ENDLIST');
  return `${out.join('\n')}\n`;
}

interface Box {
  type: string;
  start: number;
  end: number;
}

/** Top-level ISO BMFF boxes of one file; throws on a size that does not fit. */
export function topLevelBoxes(data: Uint8Array): Box[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const boxes: Box[] = [];
  let at = 0;
  while (at < data.length) {
    if (at + 8 > data.length) throw new Error(`fMP4 fragment: ${data.length - at} stray bytes at ${at}`);
    let size = view.getUint32(at);
    const type = String.fromCharCode(data[at + 4]!, data[at + 5]!, data[at + 6]!, data[at + 7]!);
    if (size === 1) {
      if (at + 16 > data.length) throw new Error(`fMP4 fragment: box ${type} at ${at} is cut off`);
      size = Number(view.getBigUint64(at + 8));
    } else if (size === 0) size = data.length - at;
    if (size < 8 || at + size > data.length) throw new Error(`fMP4 fragment: box ${type} at ${at} has size ${size}, the file ends at ${data.length}`);
    boxes.push({ type, start: at, end: at + size });
    at += size;
  }
  return boxes;
}

/**
 * Fragment files → one media segment: the first file's `styp`, then every fragment's `moof` +
 * `mdat` in order. The `sidx` boxes go: each indexes only its own fragment, so they would be wrong
 * for the joined segment, and neither hls.js nor MSE needs one. A file without a `moof` is not a
 * fragment and is refused.
 */
export function joinFragmentFiles(files: Uint8Array[]): Buffer {
  const parts: Uint8Array[] = [];
  files.forEach((data, i) => {
    const boxes = topLevelBoxes(data);
    if (!boxes.some((b) => b.type === 'moof')) throw new Error(`fMP4 fragment ${i}: no moof box`);
    for (const box of boxes) {
      if (box.type === 'sidx') continue;
      if (box.type === 'styp' && i > 0) continue;
      parts.push(data.subarray(box.start, box.end));
    }
  });
  return Buffer.concat(parts);
}
