/**
 * The package player: plays exactly what our transcoder writes (fMP4 VOD renditions without
 * sound, one separate AAC audio rendition, or `audio.m3u8` alone; docs/transcoding.md) through
 * Media Source Extensions, in a few KiB instead of hls.js's 94–143 (docs/player.md, "The package
 * player"). Any other package, or a browser without MSE for its codecs, goes to hls.js or the
 * native player (hls-loader.ts, which calls this first).
 *
 * What it does, and where each rule is:
 * - one loop per SourceBuffer (video, audio) keeps 60 s ahead of the playhead and 30 s behind;
 *   the next segment is always the one after the contiguous buffer ahead, so seeks, evictions
 *   and switches need no bookkeeping of their own (media-playlist.ts, `bufferedAhead`); on a
 *   short buffer (under 20 s) the segment after is asked while one is appended, so a slow,
 *   high-latency line carries bytes instead of waiting a round trip between segments;
 * - the rendition of each video segment: `nextLevel` and `BandwidthMeter` (abr.ts), the rules
 *   hls.js was tuned to, on the line's speed (every request, audio too: `LineMeter`); a fixed
 *   choice replaces the buffer ahead of the current segment;
 * - a line that drops: every load retries, 1 s doubling to 15 s (`backoffMs`), without end (the lawyer may be
 *   on a train), at once when the browser says it is online again; 20 s to the first byte, 120 s
 *   for the whole segment; a 403/410 (an expired signed URL) re-reads the playlist first;
 * - a media error (a segment the decoder refuses) is recovered once with a new MediaSource at
 *   the same position; a second one is fatal;
 * - small holes in the buffer (a segment whose first sample starts a few ms late) are jumped.
 */
import { masterRenditions } from '../../../../server/media/start-playlists.ts';
import { BandwidthMeter, chooseStartLevel, DEFAULT_ESTIMATE_BPS, levelForHeight, LineMeter, nextLevel, type LevelInfo } from './abr.ts';
import { takePlaylist } from './early-start.ts';
import { backoffMs } from './heartbeat-queue.ts';
import type { AttachOptions, MediaSource as AttachedSource } from './hls-loader.ts';
import { bufferedAhead, gapAhead, parseMediaPlaylist, segmentAt, splitCodecs, type MediaPlaylist, type Segment } from './media-playlist.ts';

/** seconds of media kept ahead of the playhead (hlsTuning's maxBufferLength) */
export const FORWARD_SECONDS = 60;
/** seconds kept behind it (hlsTuning's backBufferLength) */
export const BACK_SECONDS = 30;
const FIRST_BYTE_MS = 20_000;
const LOAD_MS = 120_000;
/** the longest wait between two tries of one request (backoffMs's doubling from 1 s, capped lower than the heartbeats' 60 s) */
const RETRY_MAX_MS = 15_000;
/** a buffer end this close to a segment's start counts as reaching it */
const EDGE = 0.5;
/** an AAC-LC stream: what our transcoder writes, and what `audio.m3u8` (no CODECS) carries */
const DEFAULT_AUDIO_CODEC = 'mp4a.40.2';

interface Rendition extends LevelInfo {
  url: string;
  codec: string;
  playlist: MediaPlaylist | null;
}

interface Package {
  video: Rendition[];
  audio: Rendition;
}

type MseConstructor = typeof globalThis.MediaSource;

/** The MIME type of one of our fMP4 tracks, for isTypeSupported, addSourceBuffer and changeType. */
function mimeOf(kind: 'video' | 'audio', codec: string): string {
  return `${kind}/mp4; codecs="${codec}"`;
}

/** The browser's Media Source Extensions (ManagedMediaSource on iOS 17.1+ without MediaSource), or null. */
export function mediaSourceClass(): { Mse: MseConstructor; managed: boolean } | null {
  const w = globalThis as unknown as { MediaSource?: MseConstructor; ManagedMediaSource?: MseConstructor };
  if (typeof w.MediaSource === 'function') return { Mse: w.MediaSource, managed: false };
  if (typeof w.ManagedMediaSource === 'function') return { Mse: w.ManagedMediaSource, managed: true };
  return null;
}

/**
 * Plays `url` (the master playlist, or `audio.m3u8`) in `element`, or answers null when the
 * package is not one this player understands (the caller then uses hls.js). Rejects only when
 * the playlist cannot be read at all.
 */
export async function attachPackage(element: HTMLMediaElement, url: string, options: AttachOptions): Promise<AttachedSource | null> {
  const mse = mediaSourceClass();
  if (!mse) return null;
  const pkg = await readPackage(url, options.playlist);
  if (!pkg) return null;
  if (!mse.Mse.isTypeSupported(mimeOf('audio', pkg.audio.codec))) return null;
  if (pkg.video.some((rendition) => !mse.Mse.isTypeSupported(mimeOf('video', rendition.codec)))) return null;
  return new PackagePlayer(element, pkg, options, mse).source();
}

async function readPackage(url: string, kind: AttachOptions['playlist']): Promise<Package | null> {
  const first = await loadText(url, null);
  const base = first.url;
  if (kind === 'audio') {
    const playlist = parseMediaPlaylist(first.text, base);
    return playlist ? { video: [], audio: { bitrate: 0, url: base, codec: DEFAULT_AUDIO_CODEC, playlist } } : null;
  }
  const renditions = masterRenditions(first.text);
  const groups = new Set(renditions.variants.map((variant) => variant.audio));
  const group = [...groups][0];
  // ours: every video rendition names the one audio group, whose rendition carries the sound
  if (renditions.variants.length === 0 || groups.size !== 1 || group === undefined) return null;
  const audioUri = renditions.audio.get(group);
  if (!audioUri) return null;
  const video: Rendition[] = [];
  let audioCodec: string | null = null;
  for (const variant of renditions.variants) {
    const codecs = splitCodecs(variant.codecs);
    if (!codecs.video) return null;
    audioCodec ??= codecs.audio;
    video.push({ bitrate: variant.bitrate, ...(variant.height ? { height: variant.height } : {}), url: new URL(variant.uri, base).href, codec: codecs.video, playlist: null });
  }
  return { video, audio: { bitrate: 0, url: new URL(audioUri, base).href, codec: audioCodec ?? DEFAULT_AUDIO_CODEC, playlist: null } };
}

/** Resolves after `ms`, or at once when `wake` fires first. */
function sleep(ms: number, wake?: EventTarget, event?: string): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      wake?.removeEventListener(event!, done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    wake?.addEventListener(event!, done, { once: true });
  });
}

/** reads a response's body */
type Reader<T> = (response: Response) => Promise<T>;

class HttpError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/** One request with the slow-line timeouts; `signal` aborts it from outside (a seek, a switch). */
async function fetchOnce<T>(url: string, signal: AbortSignal | null, read: Reader<T>): Promise<T> {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  signal?.addEventListener('abort', abort);
  let timer = setTimeout(abort, FIRST_BYTE_MS);
  try {
    const response = await fetch(url, { signal: controller.signal, credentials: 'same-origin' });
    if (!response.ok) throw new HttpError(response.status);
    clearTimeout(timer);
    timer = setTimeout(abort, LOAD_MS);
    return await read(response);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', abort);
  }
}

/**
 * Loads with retries until it succeeds or `signal` aborts (then it rejects with the abort).
 * `onForbidden` runs on a 403/410 before the next try (a signed URL that expired).
 */
async function fetchRetrying<T>(url: () => string, signal: AbortSignal | null, read: Reader<T>, onForbidden?: () => Promise<void>): Promise<T> {
  for (let failures = 0; ; failures++) {
    try {
      return await fetchOnce(url(), signal, read);
    } catch (error) {
      if (signal?.aborted) throw error;
      if (error instanceof HttpError && (error.status === 403 || error.status === 410) && onForbidden) await onForbidden().catch(() => undefined);
      await sleep(backoffMs(failures, Math.random(), RETRY_MAX_MS), globalThis as unknown as EventTarget, 'online');
      if (signal?.aborted) throw error;
    }
  }
}

/** A playlist's text: the one fetched ahead (early-start.ts) if there is one, else from the network. */
async function loadText(url: string, signal: AbortSignal | null, fresh = false): Promise<{ url: string; text: string }> {
  const early = fresh ? null : await takePlaylist(url);
  if (early) return early;
  return fetchRetrying(
    () => url,
    signal,
    async (response) => ({ url: response.url || url, text: await response.text() }),
  );
}

/** Runs one operation on a SourceBuffer and waits for its end; rejects on its error event. */
function bufferOperation(buffer: SourceBuffer, run: (buffer: SourceBuffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const ended = (): void => {
      buffer.removeEventListener('error', failed);
      resolve();
    };
    const failed = (): void => {
      buffer.removeEventListener('updateend', ended);
      reject(new Error('bufferAppendError'));
    };
    buffer.addEventListener('updateend', ended, { once: true });
    buffer.addEventListener('error', failed, { once: true });
    try {
      run(buffer);
    } catch (error) {
      buffer.removeEventListener('updateend', ended);
      buffer.removeEventListener('error', failed);
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

function rangesOf(buffered: TimeRanges): [number, number][] {
  const ranges: [number, number][] = [];
  for (let i = 0; i < buffered.length; i++) ranges.push([buffered.start(i), buffered.end(i)]);
  return ranges;
}

class Aborted extends Error {}

/** A media segment's request. */
interface SegmentRequest {
  segment: Segment;
  rendition: Rendition;
  controller: AbortController;
  bytes: Promise<ArrayBuffer>;
}

/** Below this much buffer ahead, the next segment is asked while the current one is appended. */
export const PIPELINE_SECONDS = 20;

/** What one SourceBuffer is fed from: the video renditions or the audio one. */
class Track {
  /** the rendition whose init segment the buffer holds */
  initFor: Rendition | null = null;
  /** the segment this step appends */
  loading: SegmentRequest | null = null;
  /** the segment after it, already asked (on a short buffer: no round trip between two segments) */
  next: SegmentRequest | null = null;
  /** every video segment appended and its rendition, for the height playing now */
  appended: { start: number; end: number; rendition: Rendition }[] = [];
  /** the buffer ahead of the current segment is to be dropped (a fixed choice) */
  flush = false;
  finished = false;
  /** the start of the segment appended last (any rendition: their segments share one schedule) */
  lastStart: number | null = null;

  constructor(
    readonly kind: 'video' | 'audio',
    readonly buffer: SourceBuffer,
  ) {}
}

/** One MediaSource and its loops; a media error replaces it with a new one at the same position. */
class PackagePlayer {
  /** index into pkg.video: the rendition the next video segment comes from */
  private level = -1;
  private fixed: number | null = null;
  private destroyed = false;
  private recovered = false;
  private generation = 0;
  private mediaSource: globalThis.MediaSource | null = null;
  private objectUrl: string | null = null;
  private tracks: Track[] = [];
  private pendingStart: number | null;
  private readonly events = new EventTarget();
  private playingRendition: Rendition | null = null;
  private readonly line: LineMeter;
  private readonly listeners: [string, () => void][];

  constructor(
    private readonly element: HTMLMediaElement,
    private readonly pkg: Package,
    private readonly options: AttachOptions,
    private readonly mse: { Mse: MseConstructor; managed: boolean },
  ) {
    this.line = new LineMeter(new BandwidthMeter(options.estimate ?? DEFAULT_ESTIMATE_BPS));
    this.pendingStart = options.startAt > 0 ? options.startAt : null;
    if (pkg.video.length > 0) {
      const fixed = options.fixedHeight !== null ? levelForHeight(pkg.video, options.fixedHeight) : -1;
      this.fixed = fixed >= 0 ? fixed : null;
      this.level = fixed >= 0 ? fixed : chooseStartLevel(pkg.video, options.estimate);
    }
    this.listeners = [
      ['seeking', () => this.onSeeking()],
      ['timeupdate', () => this.onTime()],
      ['waiting', () => this.jumpGap()],
      // readyState moves in a task of its own after the append that gave the metadata: on a busy
      // machine after the last append of a short lecture, so the start position waits for this too
      ['loadedmetadata', () => this.arrivedAtStart()],
      ['error', () => this.onMediaError(`mediaError: ${this.element.error?.code ?? ''} ${this.element.error?.message ?? ''}`.trim())],
    ];
    for (const [event, listener] of this.listeners) element.addEventListener(event, listener);
    this.open(this.pendingStart ?? 0);
  }

  source(): AttachedSource {
    return {
      engine: 'package',
      levels: () => this.pkg.video.map((rendition, index) => ({ index, bitrate: rendition.bitrate, ...(rendition.height ? { height: rendition.height } : {}) })).sort((a, b) => a.bitrate - b.bitrate),
      setLevel: (index) => this.setLevel(index),
      playingHeight: () => this.playingRendition?.height ?? null,
      autoLevel: () => this.fixed === null,
      bandwidth: () => this.line.meter.measured(),
      destroy: () => this.destroy(),
    };
  }

  /** A new MediaSource on the element, its SourceBuffers and their loops, from `position`. */
  private open(position: number): void {
    const generation = ++this.generation;
    const mediaSource = new this.mse.Mse();
    this.mediaSource = mediaSource;
    if (this.mse.managed) (this.element as HTMLVideoElement).disableRemotePlayback = true;
    this.objectUrl = URL.createObjectURL(mediaSource);
    this.element.src = this.objectUrl;
    mediaSource.addEventListener(
      'sourceopen',
      () => {
        if (generation !== this.generation || this.destroyed) return;
        URL.revokeObjectURL(this.objectUrl!);
        this.tracks = [];
        if (this.pkg.video.length > 0) this.tracks.push(new Track('video', mediaSource.addSourceBuffer(mimeOf('video', this.pkg.video[this.level]!.codec))));
        this.tracks.push(new Track('audio', mediaSource.addSourceBuffer(mimeOf('audio', this.pkg.audio.codec))));
        if (position > 0) this.pendingStart = position;
        for (const track of this.tracks) void this.run(track, generation);
      },
      { once: true },
    );
  }

  /** Where the loops load from: the playhead, or the start position until the element got there. */
  private position(): number {
    return this.pendingStart ?? this.element.currentTime;
  }

  private live(generation: number): boolean {
    return !this.destroyed && generation === this.generation;
  }

  private wake(): void {
    this.events.dispatchEvent(new Event('wake'));
  }

  private async run(track: Track, generation: number): Promise<void> {
    while (this.live(generation)) {
      try {
        if (!(await this.step(track, generation))) await sleep(1000, this.events, 'wake');
      } catch (error) {
        if (!this.live(generation) || error instanceof Aborted || (error as Error).name === 'AbortError') continue;
        this.onMediaError(`mediaError: ${(error as Error).message}`);
        return;
      }
    }
  }

  /** Loads and appends the next segment this track needs; false when it needs none now. */
  private async step(track: Track, generation: number): Promise<boolean> {
    if (track.flush) await this.flushAhead(track);
    const asked = track.next;
    track.next = null;
    // a segment asked ahead keeps the rendition chosen when it was asked
    const rendition = asked?.rendition ?? (track.kind === 'video' ? this.renditionForNext() : this.pkg.audio);
    const playlist = await this.playlistOf(rendition);
    if (!this.live(generation)) return false;
    this.lengthen(playlist.duration);
    const position = this.position();
    const ahead = bufferedAhead(rangesOf(track.buffer.buffered), position);
    const from = position + ahead;
    let index = segmentAt(playlist.segments, ahead > 0 ? from + EDGE : position);
    // a buffer that ends a little short of its last segment's end must not fetch that segment again
    if (ahead > 0 && playlist.segments[index]!.start === track.lastStart) index++;
    const segment = playlist.segments[index];
    if (asked && asked.segment.start !== segment?.start) asked.controller.abort(new Aborted('stale'));
    if (!segment || from >= playlist.duration - 0.05 || ahead >= FORWARD_SECONDS) {
      track.finished = !segment || from >= playlist.duration - 0.05;
      this.arrivedAtStart();
      this.endIfFinished();
      return false;
    }
    track.finished = false;
    if (asked?.segment.start !== segment.start && !this.mayAsk(track, segment, ahead)) return false;
    const request = asked && asked.segment.start === segment.start ? asked : this.request(rendition, segment);
    track.loading = request;
    // on a short buffer the segment after goes out now too: no round trip between the two
    if (ahead + segment.duration < PIPELINE_SECONDS && this.mayAsk(track, playlist.segments[index + 1], ahead + segment.duration)) {
      track.next = this.askNext(track, playlist.segments[index + 1]);
    }
    try {
      // the init segment and the first media segment travel together: one round trip, not two
      if (track.initFor !== rendition) {
        const init = await this.measured(() => fetchRetrying(() => playlist.init, request.controller.signal, (response) => response.arrayBuffer(), this.forbidden(rendition)), 0);
        if (!this.live(generation)) return false;
        if (track.initFor && track.initFor.codec !== rendition.codec && 'changeType' in track.buffer) track.buffer.changeType(mimeOf('video', rendition.codec));
        await this.append(track, init);
        track.initFor = rendition;
      }
      const bytes = await request.bytes;
      if (!this.live(generation)) return false;
      await this.append(track, bytes);
      track.lastStart = segment.start;
      this.wake(); // the other track may have been waiting for this one
    } finally {
      track.loading = null;
    }
    if (track.kind === 'video') {
      track.appended = track.appended.filter((entry) => entry.end > this.position() - BACK_SECONDS - 10 && entry.start !== segment.start);
      track.appended.push({ start: segment.start, end: segment.start + segment.duration, rendition });
    }
    this.arrivedAtStart();
    if (!this.element.seeking && this.element.readyState < HTMLMediaElement.HAVE_FUTURE_DATA) this.jumpGap();
    await this.evictBehind(track);
    return true;
  }

  /**
   * Whether `track` may ask for `segment` now: not while the other track's buffer ends before the
   * segment starts, unless this track's own buffer is nearly empty. On a slow line the two share
   * it, and video, the smaller per second at the low rungs, would otherwise run ahead while the
   * sound it must play with starves (seen at 128 kbit/s: video 20 s ahead of the audio, stalls at
   * each audio segment).
   */
  private mayAsk(track: Track, segment: Segment | undefined, ahead: number): boolean {
    if (!segment) return false;
    if (ahead < 1) return true;
    const position = this.position();
    return this.tracks.every((other) => other === track || other.finished || position + bufferedAhead(rangesOf(other.buffer.buffered), position) + EDGE >= segment.start);
  }

  /** Asks for the segment after this one (`following`), in the rendition the next step would choose, if its playlist is at hand. */
  private askNext(track: Track, following: Segment | undefined): SegmentRequest | null {
    if (!following) return null;
    const rendition = track.kind === 'video' ? this.renditionForNext() : this.pkg.audio;
    const segments = rendition.playlist?.segments;
    if (!segments) return null;
    const segment = segments[segmentAt(segments, following.start)]!;
    return segment.start === following.start ? this.request(rendition, segment) : null;
  }

  /** A segment's request, with the line measured as it arrives. */
  private request(rendition: Rendition, segment: Segment): SegmentRequest {
    const controller = new AbortController();
    const bytes = this.measured(
      () => fetchRetrying(() => this.current(rendition, segment), controller.signal, (response) => response.arrayBuffer(), this.forbidden(rendition)),
      segment.duration,
    );
    bytes.catch(() => undefined);
    return { segment, rendition, controller, bytes };
  }

  /** A request counted on the line's meter (abr.ts `LineMeter`: video, audio and a segment asked ahead share the line). */
  private async measured(load: () => Promise<ArrayBuffer>, mediaSeconds: number): Promise<ArrayBuffer> {
    this.line.begin(performance.now());
    let received = 0;
    try {
      const body = await load();
      received = body.byteLength;
      return body;
    } finally {
      this.line.end(performance.now(), received, received > 0 ? mediaSeconds : 0);
    }
  }

  private forbidden(rendition: Rendition): () => Promise<void> {
    return async () => void (await this.playlistOf(rendition, true));
  }

  /** The rendition the next video segment comes from: the fixed one, or the line's (abr.ts). */
  private renditionForNext(): Rendition {
    if (this.fixed !== null) this.level = this.fixed;
    else if (this.line.meter.measured() !== null) this.level = nextLevel(this.pkg.video, this.level, this.line.meter.estimate());
    return this.pkg.video[this.level]!;
  }

  private async playlistOf(rendition: Rendition, fresh = false): Promise<MediaPlaylist> {
    if (rendition.playlist && !fresh) return rendition.playlist;
    const loaded = await loadText(rendition.url, null, fresh);
    const playlist = parseMediaPlaylist(loaded.text, loaded.url);
    if (!playlist) throw new Error('levelParsingError');
    rendition.playlist = playlist;
    return playlist;
  }

  /** A segment's URL as the rendition's playlist says now (a re-read playlist has new signed URLs). */
  private current(rendition: Rendition, segment: Segment): string {
    const playlist = rendition.playlist;
    return playlist ? (playlist.segments[segmentAt(playlist.segments, segment.start)]?.url ?? segment.url) : segment.url;
  }

  private async append(track: Track, bytes: ArrayBuffer): Promise<void> {
    for (let tries = 0; ; tries++) {
      try {
        await bufferOperation(track.buffer, (buffer) => buffer.appendBuffer(bytes));
        return;
      } catch (error) {
        // the browser's memory for this buffer is full: drop what is behind the playhead, and try again
        if ((error as Error).name !== 'QuotaExceededError' || tries >= 3) throw error;
        await this.remove(track, 0, Math.max(0, this.element.currentTime - (tries === 0 ? 10 : 2)));
      }
    }
  }

  private async remove(track: Track, from: number, to: number): Promise<void> {
    if (to - from < 0.5) return;
    await bufferOperation(track.buffer, (buffer) => buffer.remove(from, to));
  }

  private async evictBehind(track: Track): Promise<void> {
    const ranges = rangesOf(track.buffer.buffered);
    const until = this.element.currentTime - BACK_SECONDS;
    if (ranges.length > 0 && ranges[0]![0] < until - 2) await this.remove(track, 0, until);
  }

  /** Drops the video ahead of the segment playing now, so a fixed choice shows at its end. */
  private async flushAhead(track: Track): Promise<void> {
    track.flush = false;
    track.lastStart = null;
    const playing = track.appended.find((entry) => entry.start <= this.element.currentTime && entry.end > this.element.currentTime);
    const from = playing ? playing.end : this.element.currentTime;
    track.appended = track.appended.filter((entry) => entry.end <= from);
    await this.remove(track, from, Infinity);
  }

  /**
   * The element's duration is the lecture's from the start (the seek bar's end, a seek far ahead),
   * not what is buffered so far: the longest playlist's, set while no buffer is updating. Chromium
   * takes it from our init segments too; an encoder may leave it 0 there, and the playlists know.
   */
  private lengthen(seconds: number): void {
    const mediaSource = this.mediaSource;
    if (!mediaSource || mediaSource.readyState !== 'open' || this.tracks.some((track) => track.buffer.updating)) return;
    if (Number.isFinite(mediaSource.duration) && mediaSource.duration >= seconds - 0.001) return;
    try {
      mediaSource.duration = seconds;
    } catch {
      // an update began meanwhile: the next step sets it
    }
  }

  private endIfFinished(): void {
    const mediaSource = this.mediaSource;
    if (!mediaSource || mediaSource.readyState !== 'open') return;
    if (!this.tracks.every((track) => track.finished && !track.buffer.updating && track.loading === null && track.next === null)) return;
    try {
      mediaSource.endOfStream();
    } catch {
      // a buffer began an update meanwhile: the next idle step ends the stream
    }
  }

  /** The element reached metadata: move it to the start position (once). */
  private arrivedAtStart(): void {
    if (this.pendingStart === null || this.element.readyState < 1) return;
    const start = this.pendingStart;
    this.pendingStart = null;
    if (Math.abs(this.element.currentTime - start) > 0.25) this.element.currentTime = start;
  }

  private onSeeking(): void {
    const time = this.element.currentTime;
    const holds = (request: SegmentRequest): boolean => request.segment.start <= time + EDGE && request.segment.start + request.segment.duration > time;
    for (const track of this.tracks) {
      if (bufferedAhead(rangesOf(track.buffer.buffered), time) > 0) continue;
      // a segment that is not the one the playhead went to would only delay it
      if (track.loading && !holds(track.loading)) track.loading.controller.abort(new Aborted('seek'));
      if (track.next && !holds(track.next)) {
        track.next.controller.abort(new Aborted('seek'));
        track.next = null;
      }
    }
    this.wake();
  }

  private onTime(): void {
    const video = this.tracks.find((track) => track.kind === 'video');
    if (video) {
      const time = this.element.currentTime;
      const playing = video.appended.find((entry) => entry.start <= time && entry.end > time)?.rendition ?? null;
      if (playing && playing !== this.playingRendition) {
        this.playingRendition = playing;
        this.options.onLevels();
      }
    }
    this.wake();
  }

  /** Playback waits on a hole of a few ms between two buffered ranges: step over it. */
  private jumpGap(): void {
    const gap = gapAhead(rangesOf(this.element.buffered), this.element.currentTime);
    if (gap !== null) this.element.currentTime = gap + 0.01;
    this.wake();
  }

  private setLevel(index: number): void {
    if (index < 0 || index >= this.pkg.video.length) {
      this.fixed = null;
      return;
    }
    const changed = this.fixed !== index && this.level !== index;
    this.fixed = index;
    const video = this.tracks.find((track) => track.kind === 'video');
    if (!video || !changed) return;
    video.flush = true;
    video.loading?.controller.abort(new Aborted('switch'));
    video.next?.controller.abort(new Aborted('switch'));
    video.next = null;
    this.wake();
  }

  private onMediaError(reason: string): void {
    if (this.destroyed) return;
    if (this.recovered) {
      this.destroy();
      this.options.onFatal(reason);
      return;
    }
    // once, as hls.js's recoverMediaError: a new MediaSource at the same place
    this.recovered = true;
    const position = this.element.currentTime;
    const playing = !this.element.paused;
    for (const track of this.tracks) for (const request of [track.loading, track.next]) request?.controller.abort(new Aborted('recover'));
    this.tracks = [];
    this.open(position);
    if (playing) void this.element.play().catch(() => undefined);
  }

  private destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.generation++;
    for (const track of this.tracks) for (const request of [track.loading, track.next]) request?.controller.abort(new Aborted('destroy'));
    for (const [event, listener] of this.listeners) this.element.removeEventListener(event, listener);
    this.wake();
    this.element.removeAttribute('src');
    this.element.load();
  }
}
