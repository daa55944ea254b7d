/// <reference types="svelte" />
/**
 * The player controller (web/src/lib/managers/player.svelte.ts) in Node: a fake media element that
 * fires the events a browser fires, a fake stream (hls.js stand-in), the real outbox and reporter
 * with hand-driven timers and clock, and fake API calls. Runes are compiled for the browser by the
 * Svelte plugin in vitest.config.ts, so this is the same reactive code the page runs.
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../web/src/lib/api/client.ts';
import type { CourseDetail, HeartbeatRequest, HeartbeatResponse, PresenceCheck } from '../../web/src/lib/api/types.ts';
import { PlayerController, type PlayerDeps } from '../../web/src/lib/managers/player.svelte.ts';
import type { MediaElementLike } from '../../web/src/lib/managers/player-media.svelte.ts';
import { HeartbeatQueue, memoryStore, type SendOutcome } from '../../web/src/lib/player/heartbeat-queue.ts';
import type { AttachOptions, MediaSource } from '../../web/src/lib/player/hls-loader.ts';
import type { SessionInfo } from '../../web/src/lib/player/transport.ts';
import type { TranscriptCue } from '../../web/src/lib/player/transcript.ts';

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

/** An HTMLMediaElement stand-in: state set by the test, events fired like a browser does. */
class FakeMedia implements MediaElementLike {
  currentTime = 0;
  duration = Number.NaN;
  paused = true;
  seeking = false;
  readyState = 0;
  muted = false;
  defaultPlaybackRate = 1;
  refusePlay = false;
  textTracks: { length: number; [index: number]: { kind: string; mode: string } | undefined } = { length: 0 };
  private rate = 1;
  private readonly listeners = new Map<string, Set<() => void>>();

  get playbackRate(): number {
    return this.rate;
  }
  set playbackRate(value: number) {
    this.rate = value;
    this.fire('ratechange');
  }
  addEventListener(type: string, listener: () => void): void {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(listener);
  }
  removeEventListener(type: string, listener: () => void): void {
    this.listeners.get(type)?.delete(listener);
  }
  listenerCount(): number {
    return [...this.listeners.values()].reduce((sum, set) => sum + set.size, 0);
  }
  fire(type: string): void {
    for (const listener of [...(this.listeners.get(type) ?? [])]) listener();
  }
  play(): Promise<void> {
    if (this.refusePlay) return Promise.reject(new Error('NotAllowedError'));
    this.paused = false;
    this.readyState = 4;
    this.fire('play');
    this.fire('playing');
    return Promise.resolve();
  }
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.fire('pause');
  }
  /** playback moves on by `seconds` in timeupdate steps of 0.25 s, the clock with it */
  advance(seconds: number, clock: { ms: number }): void {
    for (let i = 0; i < seconds * 4; i++) {
      clock.ms += 250;
      this.currentTime += 0.25 * this.rate;
      this.fire('timeupdate');
    }
  }
}

/** An hls.js stand-in: 144p/240p/360p, Auto moving between them as the test says. */
class FakeSource implements MediaSource {
  readonly engine = 'hls.js' as const;
  level = -1;
  playing = 0;
  measured: number | null = null;
  destroyed = false;
  constructor(readonly options: AttachOptions) {}
  levels() {
    return [
      { index: 0, height: 144, bitrate: 96_000 },
      { index: 1, height: 240, bitrate: 200_000 },
      { index: 2, height: 360, bitrate: 400_000 },
    ];
  }
  setLevel(index: number): void {
    this.level = index;
    if (index >= 0) this.playing = index;
  }
  playingHeight(): number | null {
    return this.levels()[this.playing]?.height ?? null;
  }
  autoLevel(): boolean {
    return this.level === -1;
  }
  bandwidth(): number | null {
    return this.measured;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

function sessionInfo(extra: Partial<SessionInfo> = {}): SessionInfo {
  return {
    sessionId: 's1',
    lectureId: 'l1',
    resumeAt: 0,
    heartbeatSeconds: 15,
    maxPlaybackRate: 1.5,
    completionRatio: 0.95,
    durationSeconds: 75,
    creditMinutes: 1,
    coverageSeconds: 0,
    requireVisible: true,
    presenceChecks: false,
    preview: false,
    title: 'Lecture',
    courseId: 'c1',
    courseTitle: 'Course',
    subtitles: [],
    media: { master: '/m/master.m3u8', audio: '/m/audio.m3u8', slides: '/m/slides.json', poster: '/m/poster.jpg' },
    ...extra,
  };
}

function answer(extra: Partial<HeartbeatResponse> = {}): HeartbeatResponse {
  return { acceptedSeconds: 15, rejected: [], coverageSeconds: 15, coverageRatio: 0.2, completed: false, creditMinutes: 0, ...extra };
}

function setup(
  options: { session?: Partial<SessionInfo>; send?: (body: HeartbeatRequest, sessionId: string) => SendOutcome; course?: CourseDetail; transcript?: TranscriptCue[]; startAt?: number; store?: ReturnType<typeof memoryStore> } = {},
) {
  const store = options.store ?? memoryStore();
  const clock = { ms: 0 };
  const transcriptLoads: string[] = [];
  const timers = new Map<number, { callback: () => void; ms: number }>();
  let nextTimer = 1;
  const sent: { sessionId: string; body: HeartbeatRequest }[] = [];
  const sources: FakeSource[] = [];
  const opened: string[] = [];
  const confirmations: string[] = [];
  let sessions = 0;
  const deps: PlayerDeps = {
    store,
    userId: () => 'u1',
    openSession: async (lectureId) => {
      opened.push(lectureId);
      sessions += 1;
      return sessionInfo({ sessionId: `s${sessions}`, ...options.session });
    },
    sendHeartbeat: async (sessionId, body) => {
      sent.push({ sessionId, body });
      return options.send?.(body, sessionId) ?? { kind: 'ok', response: answer() };
    },
    sendOnExit: () => undefined,
    confirmPresence: async (_sessionId, _checkId, code) => {
      confirmations.push(code);
      if (code !== '4711') throw new ApiError(422, 'presence_code_wrong', 'wrong');
    },
    attachSource: async (_element, _url, attachOptions) => {
      const source = new FakeSource(attachOptions);
      sources.push(source);
      return source;
    },
    loadSlides: async (url) => [
      { t: 0, src: `${url}#1`, width: 0, height: 0 },
      { t: 10, src: `${url}#2`, width: 0, height: 0 },
      { t: 20, src: `${url}#3`, width: 0, height: 0 },
    ],
    loadThumbs: async () => [],
    getCourse: async (courseId) => {
      if (!options.course) throw new ApiError(404, 'not_found', 'no course');
      return { ...options.course, id: courseId };
    },
    isVisible: () => true,
    now: () => clock.ms,
    prefetchImage: () => undefined,
    noteFailure: (error) => error,
    setTimer: (callback, ms) => {
      timers.set(nextTimer, { callback, ms });
      return nextTimer++;
    },
    clearTimer: (handle) => void timers.delete(handle as number),
    loadTranscript: async (lectureId) => {
      transcriptLoads.push(lectureId);
      return options.transcript ?? [];
    },
    startAt: options.startAt ?? null,
  };
  const tick = (ms: number) => {
    for (const [id, timer] of [...timers]) {
      if (timer.ms === ms) {
        timers.delete(id);
        timer.callback();
      }
    }
  };
  const player = new PlayerController('l1', deps);
  return { player, store, clock, sent, sources, opened, confirmations, tick, deps, transcriptLoads };
}

/** Starts the player and puts its stream into a fresh element. */
async function started(context: ReturnType<typeof setup>) {
  await context.player.start();
  const element = new FakeMedia();
  const detach = context.player.attach(element);
  await flush();
  return { element, detach };
}

describe('player controller: session and outbox', () => {
  it('sends what an earlier visit left before opening its own session, then plays from the resume point', async () => {
    const context = setup({ session: { resumeAt: 30 } });
    // an earlier visit's heartbeat, still in the outbox
    const earlier = new HeartbeatQueue(context.store);
    earlier.open('old', 'l1', 'u1');
    earlier.enqueue('old', { intervals: [[0, 5]], playbackRate: 1, visible: true, position: 5 }, 0);

    const { element } = await started(context);
    expect(context.sent.map((entry) => entry.sessionId)).toEqual(['old']);
    expect(context.opened).toEqual(['l1']);
    expect(context.player.phase).toBe('ready');
    expect(context.sources[0]!.options.startAt).toBe(30);
    expect(element.paused).toBe(false); // autoplay allowed
    expect(context.player.showPoster).toBe(false);
  });

  it('reports what was played in heartbeats, and shows the server figures', async () => {
    const context = setup({ send: () => ({ kind: 'ok', response: answer({ coverageSeconds: 10, coverageRatio: 10 / 75 }) }) });
    const { element } = await started(context);
    element.advance(10, context.clock);
    context.tick(15_000);
    await flush();
    const beat = context.sent.at(-1)!.body;
    expect(beat.seq).toBe(0);
    expect(beat.intervals).toHaveLength(1);
    expect(beat.intervals[0]![1] - beat.intervals[0]![0]).toBeCloseTo(10, 0);
    expect(context.player.coverageSeconds).toBe(10);
    expect(context.player.queued).toBe(0);
    expect(context.player.media.currentTime).toBeCloseTo(10);
  });

  it('shows the poster and waits for a click when autoplay is refused', async () => {
    const context = setup();
    await context.player.start();
    const element = new FakeMedia();
    element.refusePlay = true;
    context.player.attach(element);
    await flush();
    await flush();
    expect(context.player.showPoster).toBe(true);
    expect(element.paused).toBe(true);
  });

  it('keeps heartbeats on the device while the line is down and says so', async () => {
    let line = false;
    const context = setup({ send: () => (line ? { kind: 'ok', response: answer() } : { kind: 'retry' }) });
    const { element } = await started(context);
    element.advance(5, context.clock);
    context.tick(15_000);
    await flush();
    expect(context.player.offline).toBe(true);
    expect(context.player.queued).toBe(1);
    line = true;
    context.player.setOnline(true);
    await flush();
    await flush();
    expect(context.player.offline).toBe(false);
    expect(context.player.queued).toBe(0);
  });

  it('opens a new session after an idle close, and stops after a close elsewhere', async () => {
    let reason: 'idle' | 'replaced' = 'idle';
    const context = setup({ send: (_body, sessionId) => (sessionId === 's1' || reason === 'replaced' ? { kind: 'closed', reason } : { kind: 'ok', response: answer() }) });
    const { element } = await started(context);
    element.advance(2, context.clock);
    context.tick(15_000);
    await flush();
    await flush();
    expect(context.opened).toHaveLength(2);
    expect(context.player.info?.sessionId).toBe('s2');
    expect(context.player.closedElsewhere).toBe(false);

    reason = 'replaced';
    element.advance(2, context.clock);
    context.tick(15_000);
    await flush();
    await flush();
    expect(context.player.closedElsewhere).toBe(true);
    expect(element.paused).toBe(true);
  });

  it('tells "not found" and "not ready" apart when the session cannot open', async () => {
    const context = setup();
    context.deps.openSession = async () => {
      throw new ApiError(409, 'lecture_not_ready', 'not ready');
    };
    await context.player.start();
    expect(context.player.phase).toBe('notReady');
    context.deps.openSession = async () => {
      throw new ApiError(404, 'not_found', 'gone');
    };
    await context.player.start();
    expect(context.player.phase).toBe('notFound');
  });

  it('pauses on a hidden page when the course requires it, and resumes when shown', async () => {
    const context = setup();
    const { element } = await started(context);
    context.player.onVisibility(false);
    expect(element.paused).toBe(true);
    expect(context.player.hiddenPaused).toBe(true);
    context.player.onVisibility(true);
    await flush();
    expect(element.paused).toBe(false);
    expect(context.player.hiddenPaused).toBe(false);
  });
});

describe('player controller: modes and quality', () => {
  it('switching to audio + slides re-attaches the audio playlist at the same position, playing, with the slide for the time', async () => {
    const context = setup();
    const { element, detach } = await started(context);
    element.advance(12, context.clock);
    context.player.setListening('slides');
    expect(context.player.modes.audio).toBe(true);
    // the page replaces <video> with <audio>: the old element is let go, the new one attached
    detach();
    expect(element.listenerCount()).toBe(0);
    expect(context.sources[0]!.destroyed).toBe(true);
    const audio = new FakeMedia();
    context.player.attach(audio);
    await flush();
    expect(context.sources[1]!.options.startAt).toBeCloseTo(12);
    expect(context.sources[1]!.options.fixedHeight).toBeNull();
    expect(audio.paused).toBe(false);
    expect(context.player.slide?.src).toBe('/m/slides.json#2');
    audio.currentTime = 12;
    audio.advance(9, context.clock);
    expect(context.player.slideIndex).toBe(2);
    expect(context.store.getItem('lectern.player.listening')).toBe('slides');
  });

  it('quality is its own choice: a fixed rendition, then Auto names the rendition playing now', async () => {
    const context = setup();
    const { element } = await started(context);
    const source = context.sources[0]!;
    const modes = context.player.modes;
    expect(modes.levels.map((level) => level.height)).toEqual([144, 240, 360]);
    expect(modes.autoHeight).toBe(144);

    modes.setQuality({ kind: 'level', height: 144 });
    expect(source.level).toBe(0);
    expect(modes.autoHeight).toBeNull(); // Auto is not the choice: its label has no height
    expect(context.store.getItem('lectern.player.quality')).toBe('level:144');

    modes.setQuality({ kind: 'auto' });
    expect(source.level).toBe(-1);
    source.playing = 2; // Auto climbs to 360p
    element.advance(1, context.clock);
    expect(modes.autoHeight).toBe(360);
    expect(modes.listening).toBe('video'); // the listening mode did not move
  });

  it('suggests audio only when the measured line cannot carry the lowest video rendition', async () => {
    const context = setup();
    await context.player.start();
    const element = new FakeMedia();
    element.refusePlay = true; // the first `waiting` comes before anything played: not a stall
    context.player.attach(element);
    await flush();
    const source = context.sources[0]!;
    source.measured = 60_000; // hls.js's seed before its first segment, say
    element.fire('waiting');
    expect(context.player.modes.suggestAudio).toBe(false);
    element.refusePlay = false;
    await element.play();
    source.measured = 150_000;
    element.fire('waiting');
    expect(context.player.modes.suggestAudio).toBe(false);
    source.measured = 60_000;
    element.fire('waiting');
    expect(context.player.modes.suggestAudio).toBe(true);
    context.player.setListening('audio');
    expect(context.player.modes.suggestAudio).toBe(false);
  });

  it('offers speeds up to the course cap only, and lowers a faster rate to the cap', async () => {
    const context = setup();
    const { element } = await started(context);
    expect(context.player.speeds).toEqual([0.75, 1, 1.25, 1.5]);
    context.player.media.setRate(2);
    expect(element.playbackRate).toBe(1.5);
    element.playbackRate = 3; // set from outside the menu (devtools, an extension)
    expect(element.playbackRate).toBe(1.5);
    expect(context.player.media.rateCapped).toBe(true);
    element.advance(4, context.clock);
    context.tick(15_000);
    await flush();
    expect(context.sent.every((entry) => entry.body.playbackRate <= 1.5)).toBe(true);
    // a mode switch replaces the element; the speed goes with it (and survives the new source's load)
    context.player.media.setRate(1.25);
    context.player.setListening('audio');
    const audio = new FakeMedia();
    context.player.attach(audio);
    expect(audio.playbackRate).toBe(1.25);
    expect(audio.defaultPlaybackRate).toBe(1.25);
  });
});

describe('player controller: figures, keys, presence, the end', () => {
  it('says about 1 minute left at the start of a 1:15 lecture, and seconds near the end', async () => {
    let covered = 0;
    const context = setup({ send: () => ({ kind: 'ok', response: answer({ coverageSeconds: covered, coverageRatio: covered / 75 }) }) });
    const { element } = await started(context);
    expect(context.player.timeLeft).toEqual({ unit: 'minutes', value: 1 });
    covered = 50;
    element.advance(2, context.clock);
    context.tick(15_000);
    await flush();
    // 0.95 × 75 − 50 = 21.25 s → "about 25 seconds"
    expect(context.player.timeLeft).toEqual({ unit: 'seconds', value: 25 });
  });

  it('space/k play and pause, ←/→ move 5 s inside the lecture, m mutes; typing in a field is left alone', async () => {
    const context = setup();
    const { element } = await started(context);
    const player = context.player;
    expect(player.onKey({ key: 'k' })).toBe(true);
    expect(element.paused).toBe(true);
    player.onKey({ key: ' ' });
    await flush();
    expect(element.paused).toBe(false);
    element.currentTime = 3;
    player.onKey({ key: 'ArrowLeft' });
    expect(element.currentTime).toBe(0);
    element.currentTime = 72;
    player.onKey({ key: 'ArrowRight' });
    expect(element.currentTime).toBeLessThan(75);
    expect(element.currentTime).toBeGreaterThan(74);
    player.onKey({ key: 'm' });
    expect(element.muted).toBe(true);
    expect(player.media.muted).toBe(true);
    expect(player.onKey({ key: 'm', target: { tagName: 'INPUT' } })).toBe(false);
    expect(player.onKey({ key: 'ArrowRight', ctrlKey: true })).toBe(false);
    expect(player.onKey({ key: 'c' })).toBe(true); // no captions here: nothing happens
    expect(player.media.captionsOn).toBe(false);
  });

  it('the presence prompt keeps a wrong code open, closes on the right one, and holds the shortcuts meanwhile', async () => {
    const check: PresenceCheck = { id: 'p1', image: 'data:image/png;base64,AA', expiresAt: new Date().toISOString() } as PresenceCheck;
    let withCheck = true;
    const context = setup({
      send: () => {
        const response = answer(withCheck ? { presenceCheck: check } : {});
        withCheck = false;
        return { kind: 'ok', response };
      },
    });
    const { element } = await started(context);
    element.advance(5, context.clock);
    context.tick(15_000);
    await flush();
    const presence = context.player.presence;
    expect(presence.check?.id).toBe('p1');
    expect(context.player.onKey({ key: 'k' })).toBe(false);
    presence.code = '0000';
    await context.player.confirmPresence();
    expect(presence.wrong).toBe(true);
    expect(presence.check).not.toBeNull();
    presence.code = '4711';
    await context.player.confirmPresence();
    expect(presence.check).toBeNull();
    expect(context.confirmations).toEqual(['0000', '4711']);
  });

  it('offers the next ready lecture of the course at the end, or says it was the last', async () => {
    const lecture = (id: string, position: number, status: 'ready' | 'failed' = 'ready') => ({ id, title: id, position, status, durationSeconds: 75, creditMinutes: 1 });
    const course: CourseDetail = { id: 'c1', title: 'C', summary: '', category: 'practice_management', status: 'published', lectures: [lecture('l3', 3), lecture('l1', 1), lecture('l2', 2, 'failed')] } as CourseDetail;
    const context = setup({ course });
    const { element } = await started(context);
    expect(context.player.nextOffer).toBeNull();
    element.fire('ended');
    await flush();
    expect(context.player.nextOffer).toEqual({ kind: 'next', lecture: expect.objectContaining({ id: 'l3' }) });

    const alone = setup({ course: { ...course, lectures: [lecture('l1', 1)] } });
    const last = await started(alone);
    last.element.fire('ended');
    await flush();
    expect(alone.player.nextOffer).toEqual({ kind: 'last' });
  });
});

describe('player controller: subtitles and transcript (docs/subtitles.md)', () => {
  const cues: TranscriptCue[] = [
    { start: 1, end: 4, text: '各位律师，大家好。' },
    { start: 5, end: 9, text: '今天讲合同解除。' },
    { start: 20, end: 25, text: '情势变更。' },
  ];
  const subtitles = [{ lang: 'zh-CN' as const, label: '中文', cueCount: 3, updatedAt: '2026-12-01T00:00:00.000Z', url: '/api/lectures/l1/subtitles/zh-CN.vtt?v=1' }];
  const withTrack = (element: FakeMedia) => {
    element.textTracks = { length: 1, 0: { kind: 'subtitles', mode: 'disabled' } };
    return element;
  };

  it('loads no transcript for a lecture without subtitles, and only when asked in video mode', async () => {
    const none = setup();
    await started(none);
    expect(none.player.hasSubtitles).toBe(false);
    expect(none.transcriptLoads).toEqual([]);

    const context = setup({ session: { subtitles }, transcript: cues });
    await started(context);
    expect(context.player.transcript.open).toBe(false);
    expect(context.transcriptLoads).toEqual([]);
    context.player.toggleTranscript();
    await flush();
    expect(context.player.transcript.status).toBe('ready');
    expect(context.transcriptLoads).toEqual(['l1']);
  });

  it('follows the time, and a click plays from the cue through the controller', async () => {
    const context = setup({ session: { subtitles }, transcript: cues });
    const { element } = await started(context);
    context.player.toggleTranscript();
    await flush();
    element.currentTime = 6;
    element.fire('timeupdate');
    expect(context.player.cueIndex).toBe(1);
    element.currentTime = 12; // between cues: the place is kept
    element.fire('timeupdate');
    expect(context.player.cueIndex).toBe(1);
    context.player.playFrom(20);
    expect(element.currentTime).toBe(20);
    expect(context.player.cueIndex).toBe(2);
    await flush();
    expect(element.paused).toBe(false);
  });

  it('opens the transcript by itself in audio-only mode and shows the caption line there', async () => {
    const context = setup({ session: { subtitles }, transcript: cues });
    await started(context);
    context.player.setListening('audio');
    expect(context.player.transcript.open).toBe(true);
    const audio = withTrack(new FakeMedia());
    context.player.attach(audio);
    await flush();
    expect(context.player.media.captionsOn).toBe(true);
    audio.currentTime = 2;
    audio.fire('timeupdate');
    expect(context.player.captionLine).toBe('各位律师，大家好。');
    audio.currentTime = 4.5;
    audio.fire('timeupdate');
    expect(context.player.captionLine).toBe('');

    // a later visit in audio-only mode opens with the transcript
    const again = setup({ session: { subtitles }, transcript: cues, store: context.store });
    await again.player.start();
    expect(again.player.transcript.open).toBe(true);
  });

  it('shows the first track and remembers CC off on the device', async () => {
    const context = setup({ session: { subtitles } });
    await context.player.start();
    const video = withTrack(new FakeMedia());
    context.player.attach(video);
    expect(video.textTracks[0]!.mode).toBe('showing');
    context.player.act('captions');
    expect(video.textTracks[0]!.mode).toBe('hidden');
    expect(context.store.getItem('lectern.player.captions')).toBe('off');

    const later = setup({ session: { subtitles }, store: context.store });
    await later.player.start();
    const next = withTrack(new FakeMedia());
    later.player.attach(next);
    expect(next.textTracks[0]!.mode).toBe('hidden');
    expect(later.player.media.captionsOn).toBe(false);
  });

  it('starts at the time of a search hit link (?t=) instead of the resume point, once', async () => {
    const context = setup({ session: { resumeAt: 30 }, startAt: 20 });
    await started(context);
    expect(context.sources[0]!.options.startAt).toBe(20);
    await context.player.start();
    context.player.attach(new FakeMedia());
    await flush();
    expect(context.sources[1]!.options.startAt).toBe(30);
  });
});
