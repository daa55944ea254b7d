/**
 * The player's controller (/lectures/:lectureId): the session, the outbox, the media element, the
 * modes and the presence prompt, and the figures the page shows. It only reports what was played;
 * the server decides what counts (DESIGN.md "Credit"). Order on start: send what earlier visits
 * left in the outbox (their sessions are still open until this page opens a new one), then open
 * the session, then play. (The page's `openSession` may hand over the session the entry opened
 * beside /api/me: only for a user with no outbox on the device, lib/player/early-start.ts.)
 *
 * Everything outside (API calls, hls.js, the store, the clock, page visibility) comes in through
 * `PlayerDeps`, so tests/unit/player-controller.test.ts runs it in Node against a fake element.
 * The page's components only read its state and call its methods. See docs/player.md.
 */
import { ApiError } from '../api/client.ts';
import type { CourseDetail, LectureSummary, RejectionReason } from '../api/types.ts';
import { loadBandwidth, saveBandwidth } from '../player/bandwidth.ts';
import { keyAction, SEEK_STEP_SECONDS, speedOptions, timeLeft, type KeyAction } from '../player/controls.ts';
import { HeartbeatQueue, type KeyValueStore, type Sender } from '../player/heartbeat-queue.ts';
import type { AttachOptions, MediaSource } from '../player/hls-loader.ts';
import { PlaybackReporter, type ReporterState } from '../player/reporter.ts';
import { slideIndexAt, thumbAt, type Slide, type Thumb } from '../player/slides.ts';
import type { HeartbeatAnswer, SessionInfo } from '../player/transport.ts';
import { MediaState, type MediaElementLike } from './player-media.svelte.ts';
import { PlayerModes } from './player-modes.svelte.ts';
import { PresencePrompt, type ConfirmPresence } from './player-presence.svelte.ts';
import { TranscriptState } from './player-transcript.svelte.ts';
import { captionAt, lastCueBefore, type TranscriptCue } from '../player/transcript.ts';

/** where the captions choice is remembered on the device */
const CAPTIONS_KEY = 'lectern.player.captions';

export interface PlayerDeps {
  store: KeyValueStore;
  /** the signed-in user's id, or null */
  userId(): string | null;
  openSession(lectureId: string): Promise<SessionInfo>;
  sendHeartbeat: Sender;
  sendOnExit(sessionId: string, bodies: ReturnType<HeartbeatQueue['pending']>): void;
  confirmPresence: ConfirmPresence;
  attachSource(element: MediaElementLike, url: string, options: AttachOptions): Promise<MediaSource>;
  /** starts fetching the stream library while the session opens */
  /** the slides of `slides.json` (URL as the session gave it) */
  loadSlides(url: string): Promise<Slide[]>;
  /** the seek-bar thumbnails next to the master playlist */
  loadThumbs(masterUrl: string): Promise<Thumb[]>;
  getCourse(courseId: string): Promise<CourseDetail>;
  /** the lecture's transcript cues (GET /api/lectures/:id/transcript) */
  loadTranscript?(lectureId: string): Promise<TranscriptCue[]>;
  /** `?t=` of the link that opened the page: start there instead of the resume point */
  startAt?: number | null;
  isVisible(): boolean;
  /** a monotonic clock in ms (performance.now) */
  now(): number;
  /** a picture fetched ahead (the next slide) */
  prefetchImage(src: string): void;
  noteFailure(error: unknown): unknown;
  /** the reporter's timers (tests drive them by hand) */
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export type Phase = 'opening' | 'ready' | 'failed' | 'notFound' | 'notReady';

/** What is offered at the end: the next ready lecture of the course, or that this was the last. */
export type NextOffer = { kind: 'next'; lecture: LectureSummary } | { kind: 'last' };

export class PlayerController {
  phase = $state<Phase>('opening');
  failure = $state.raw<unknown>(null);
  info = $state.raw<SessionInfo | null>(null);
  report = $state.raw<ReporterState | null>(null);
  online = $state(true);
  droppedEarlier = $state(0);
  hiddenPaused = $state(false);
  mediaFailed = $state<string | null>(null);
  /** the poster costs a second of a 128 kbit/s line: shown only when playback waits for a click */
  showPoster = $state(false);
  slides = $state.raw<Slide[]>([]);
  slideIndex = $state(-1);
  thumbs = $state.raw<Thumb[] | null>(null);
  nextOffer = $state.raw<NextOffer | null>(null);
  helpOpen = $state(false);

  /** the element's state; the cap is read at each rate change */
  readonly media = new MediaState(() => this.maxRate);
  readonly modes: PlayerModes;
  readonly presence: PresencePrompt;
  readonly transcript: TranscriptState;

  readonly requireVisible = $derived(this.info?.requireVisible ?? true);
  readonly maxRate = $derived(this.info?.maxPlaybackRate ?? 1);
  readonly speeds = $derived(speedOptions(this.maxRate));
  // ── credit figures: the server's last answer, else what the session said at opening ──
  readonly last = $derived((this.report?.last ?? null) as HeartbeatAnswer | null);
  readonly duration = $derived(this.info?.durationSeconds ?? this.media.duration);
  readonly coverageSeconds = $derived(this.last?.coverageSeconds ?? this.info?.coverageSeconds ?? 0);
  readonly coverageRatio = $derived(this.last ? this.last.coverageRatio : this.duration > 0 ? Math.min(1, this.coverageSeconds / this.duration) : 0);
  readonly completionRatio = $derived(this.info?.completionRatio ?? 0.95);
  readonly completed = $derived(this.last?.completed ?? (this.duration > 0 && this.coverageSeconds >= this.completionRatio * this.duration - 1e-6));
  readonly timeLeft = $derived(
    this.completed ? null : timeLeft({ duration: this.duration, coverageSeconds: this.coverageSeconds, completionRatio: this.completionRatio, rate: this.media.rate }),
  );
  readonly creditMinutes = $derived(this.last?.creditMinutes || this.info?.creditMinutes || 0);
  readonly lastRejection = $derived<RejectionReason | null>(this.last?.rejected[0]?.reason ?? null);
  /** closed after a long pause: the page simply opens a new session (see `onReport`) */
  readonly closedElsewhere = $derived((this.report?.closed ?? false) && this.report?.closedReason !== 'idle');
  readonly queued = $derived(this.report?.queued ?? 0);
  readonly offline = $derived(!this.online || (this.report?.offline ?? false));
  readonly dropped = $derived(this.droppedEarlier + (this.report?.droppedSeconds ?? 0));
  readonly slide = $derived(this.slideIndex >= 0 ? this.slides[this.slideIndex] : undefined);
  // ── subtitles (docs/subtitles.md) ──
  readonly subtitles = $derived(this.info?.subtitles ?? []);
  readonly hasSubtitles = $derived(this.subtitles.length > 0);

  /** the transcript line to highlight: the last cue that has started */
  get cueIndex(): number {
    return lastCueBefore(this.transcript.cues, this.media.currentTime);
  }

  /** the audio modes' caption line (the picture has the <track> itself) */
  get captionLine(): string {
    return this.modes.audio && this.media.captionsOn ? captionAt(this.transcript.cues, this.media.currentTime) : '';
  }

  private readonly queue: HeartbeatQueue;
  private reporter: PlaybackReporter | null = null;
  private source: MediaSource | null = null;
  /** where the next attached source starts (resume point, then the position at a mode switch) */
  private resumePosition = 0;
  /** whether playback should continue after a mode switch (and the first autoplay attempt) */
  private shouldPlay = true;
  private slidesFor: string | null = null;
  private thumbsRequested = false;
  private courseAsked = false;
  private linkedStart: number | null;

  constructor(
    readonly lectureId: string,
    private readonly deps: PlayerDeps,
  ) {
    this.queue = new HeartbeatQueue(deps.store);
    this.modes = new PlayerModes(deps.store);
    this.presence = new PresencePrompt(deps.confirmPresence, deps.noteFailure);
    this.transcript = new TranscriptState(deps.loadTranscript, deps.noteFailure);
    this.linkedStart = deps.startAt ?? null;
    this.media.captionsWanted = safeGet(deps.store, CAPTIONS_KEY) !== 'off';
    this.media.onCaptionsChoice = (on) => safeSet(deps.store, CAPTIONS_KEY, on ? 'on' : 'off');
  }

  /** Sends the earlier visits' heartbeats, then opens a session (again: after "watch here", an idle close). */
  async start(): Promise<void> {
    const userId = this.deps.userId();
    if (!userId) return;
    this.phase = 'opening';
    this.failure = null;
    for (const record of this.queue.sessions(userId)) {
      if (record.sessionId === this.info?.sessionId && !this.closedElsewhere) continue;
      const result = await this.queue.flush(record.sessionId, this.deps.sendHeartbeat);
      this.droppedEarlier += result.droppedSeconds;
      if (result.stoppedBy === 'retry' || result.stoppedBy === 'unauthenticated') break; // no line: keep them
    }
    this.reporter?.stop();
    this.reporter = null;
    this.report = null;
    let opened: SessionInfo;
    try {
      opened = await this.deps.openSession(this.lectureId);
    } catch (error) {
      this.failure = this.deps.noteFailure(error);
      const status = error instanceof ApiError ? error.status : 0;
      this.phase = status === 404 || status === 400 ? 'notFound' : status === 409 ? 'notReady' : 'failed';
      return;
    }
    this.queue.open(opened.sessionId, this.lectureId, userId);
    const reporter = new PlaybackReporter({
      queue: this.queue,
      send: this.deps.sendHeartbeat,
      sessionId: opened.sessionId,
      heartbeatSeconds: opened.heartbeatSeconds,
      onState: (state) => this.onReport(state),
      onPresence: (check) => this.presence.open(check),
      setTimer: this.deps.setTimer,
      clearTimer: this.deps.clearTimer,
    });
    reporter.setVisible(this.deps.isVisible());
    if (this.media.rate !== 1) reporter.setRate(this.media.rate); // the element keeps its speed
    this.reporter = reporter;
    this.report = reporter.snapshot;
    const known = opened.durationSeconds ?? 0;
    const linked = this.linkedStart;
    this.linkedStart = null; // a link's time is for the first session only
    this.resumePosition = linked !== null ? Math.min(linked, known > 0 ? known : linked) : known > 0 && opened.resumeAt >= known - 2 ? 0 : Math.max(0, opened.resumeAt);
    reporter.setPosition(this.resumePosition);
    this.shouldPlay = true;
    this.nextOffer = null;
    this.info = opened;
    this.phase = 'ready';
    reporter.start();
    if (this.modes.listening === 'slides') this.loadSlides();
    this.prepareTranscript(true);
  }

  /**
   * On the slowest line (audio only) the transcript is the cheapest way to follow: it opens by
   * itself there. The audio modes need the cues for their caption line.
   */
  private prepareTranscript(opening: boolean): void {
    if (!this.hasSubtitles) return;
    if (opening && this.modes.listening === 'audio') this.transcript.open = true;
    if (this.transcript.open || this.modes.audio) this.transcript.ensure(this.lectureId);
  }

  toggleTranscript(): void {
    this.transcript.open = !this.transcript.open;
    this.prepareTranscript(false);
  }

  /** A transcript line was clicked: play from its start (the same seek as the bar: credit counts only what plays). */
  playFrom(time: number): void {
    this.media.seekTo(time, this.duration);
    if (this.media.paused) void this.media.play();
  }

  private onReport(state: ReporterState): void {
    this.report = state;
    // Closed after a long pause: what was played before is credited; carry on in a new session.
    if (state.closed && state.closedReason === 'idle') void this.start();
    else if (state.closed) this.media.attached?.pause();
  }

  /**
   * Plays the session's stream in `element` (<video> for the picture, <audio> for the audio
   * modes); answers the detach function (a mode switch between the two replaces the element).
   */
  attach(element: MediaElementLike): () => void {
    const current = this.info;
    if (!current) return () => undefined;
    const audio = this.modes.audio;
    let cancelled = false;
    let mine: MediaSource | null = null;
    this.mediaFailed = null;
    const startAt = this.resumePosition;
    const playAfter = this.shouldPlay;
    const unbind = this.media.bind(element, {
      time: (el) => this.onTime(el),
      playing: (el) => this.reporter?.tracker.play(el.currentTime, this.deps.now()),
      stopped: () => this.reporter?.tracker.stop(),
      ended: () => {
        this.reporter?.cut();
        this.offerNext();
      },
      rate: (rate) => this.reporter?.setRate(rate),
      waiting: () => {
        if (this.media.playedOnce) this.modes.noteStall();
      },
    });
    this.modes.bandwidth = audio ? null : loadBandwidth(this.deps.store);
    this.deps
      .attachSource(element, audio ? current.media.audio : current.media.master, {
        playlist: audio ? 'audio' : 'master',
        startAt,
        estimate: loadBandwidth(this.deps.store),
        fixedHeight: audio ? null : this.modes.fixedHeight,
        onFatal: (reason) => {
          this.mediaFailed = reason;
        },
        onLevels: () => {
          if (mine) this.modes.useSource(mine, audio);
        },
      })
      .then(
        (attached) => {
          if (cancelled) {
            attached.destroy();
            return;
          }
          mine = this.source = attached;
          this.modes.useSource(attached, audio);
          // Autoplay may be refused (no user gesture): then the poster and the play button invite a click.
          if (playAfter) {
            void this.media.play().then((played) => {
              if (!played && !cancelled) this.showPoster = true;
            });
          } else this.showPoster = true;
        },
        () => {
          if (!cancelled) this.mediaFailed = 'unsupported';
        },
      );

    return () => {
      cancelled = true;
      if (element.currentTime > 0) this.resumePosition = element.currentTime;
      this.shouldPlay = !element.paused;
      this.reporter?.tracker.stop();
      unbind();
      this.rememberBandwidth();
      mine?.destroy();
      if (this.source === mine) {
        this.source = null;
        this.modes.useSource(null, audio);
      }
    };
  }

  private onTime(element: MediaElementLike): void {
    const time = element.currentTime;
    this.resumePosition = time;
    const reporter = this.reporter;
    reporter?.setPosition(time);
    // Normal progression only: playing, not seeking, with data to play.
    if (reporter && !element.paused && !element.seeking && element.readyState >= 3) {
      if (reporter.tracker.playing) reporter.tracker.progress(time, this.deps.now(), element.playbackRate);
      else reporter.tracker.play(time, this.deps.now());
    }
    if (this.slides.length > 0) this.setSlideIndex(slideIndexAt(this.slides, time));
    this.modes.refresh();
  }

  private setSlideIndex(index: number): void {
    if (index === this.slideIndex) return;
    this.slideIndex = index;
    // Fetch the next slide ahead, so it is there when its time comes on a slow line.
    const upcoming = this.slides[index + 1];
    if (this.modes.listening === 'slides' && upcoming) this.deps.prefetchImage(upcoming.src);
  }

  /** The listening mode; the slides are fetched once, when "audio + slides" is first chosen. */
  setListening(next: 'video' | 'slides' | 'audio'): void {
    this.modes.setListening(next);
    if (next === 'slides') this.loadSlides();
    if (next === 'audio' && this.hasSubtitles) this.transcript.open = true;
    this.prepareTranscript(false);
  }

  private loadSlides(): void {
    const current = this.info;
    if (!current || this.slidesFor === current.sessionId) return;
    this.slidesFor = current.sessionId;
    this.deps.loadSlides(current.media.slides).then(
      (slides) => {
        this.slides = slides;
        this.slideIndex = -1;
        this.setSlideIndex(slideIndexAt(slides, this.resumePosition));
      },
      () => {
        this.slidesFor = null; // try again on the next switch
      },
    );
  }

  /** Seek-bar previews: thumbs.vtt is fetched on the first hover or focus only. */
  loadThumbs(): void {
    if (this.thumbsRequested || !this.info) return;
    this.thumbsRequested = true;
    this.deps.loadThumbs(this.info.media.master).then(
      (thumbs) => {
        this.thumbs = thumbs;
      },
      () => {
        this.thumbsRequested = false;
      },
    );
  }

  thumbAt(time: number): Thumb | null {
    return this.thumbs ? thumbAt(this.thumbs, time) : null;
  }

  /** At the end: the course's next ready lecture (the course detail lists them in order). */
  offerNext(): void {
    const courseId = this.info?.courseId;
    if (this.courseAsked || !courseId) return;
    this.courseAsked = true;
    this.deps.getCourse(courseId).then(
      (course) => {
        const ordered = [...course.lectures].sort((a, b) => a.position - b.position);
        const here = ordered.findIndex((lecture) => lecture.id === this.lectureId);
        const next = here >= 0 ? ordered.slice(here + 1).find((lecture) => lecture.status === 'ready') : undefined;
        this.nextOffer = next ? { kind: 'next', lecture: next } : { kind: 'last' };
      },
      (error) => {
        this.deps.noteFailure(error);
        this.courseAsked = false; // the next end tries again
      },
    );
  }

  confirmPresence(): Promise<void> {
    const current = this.info;
    return current ? this.presence.confirm(current.sessionId) : Promise.resolve();
  }

  /** A keyboard shortcut (docs/player.md); answers whether the key was taken. */
  onKey(event: { key: string; ctrlKey?: boolean; altKey?: boolean; metaKey?: boolean; target?: unknown }): boolean {
    if (this.phase !== 'ready' || this.presence.check) return false;
    const action = keyAction(event);
    if (!action) return false;
    this.act(action);
    return true;
  }

  act(action: KeyAction): void {
    switch (action) {
      case 'toggle':
        this.media.toggle();
        break;
      case 'back':
        this.media.seekBy(-SEEK_STEP_SECONDS, this.duration);
        break;
      case 'forward':
        this.media.seekBy(SEEK_STEP_SECONDS, this.duration);
        break;
      case 'mute':
        this.media.toggleMute();
        break;
      case 'captions':
        this.media.toggleCaptions();
        break;
      case 'help':
        this.helpOpen = !this.helpOpen;
        break;
    }
  }

  setOnline(online: boolean): void {
    this.online = online;
    if (online) this.reporter?.online();
  }

  /** The page was hidden or shown. A course that requires a visible page pauses while hidden. */
  onVisibility(visible: boolean): void {
    const element = this.media.attached;
    if (!visible) {
      if (this.requireVisible && element && !element.paused) {
        this.reporter?.tracker.stop();
        element.pause();
        this.hiddenPaused = true;
      }
      this.reporter?.setVisible(false);
      this.rememberBandwidth();
    } else {
      this.reporter?.setVisible(true);
      if (this.hiddenPaused) {
        this.hiddenPaused = false;
        void this.media.play();
      }
    }
  }

  /** The page is being closed or reloaded: cut the tail, fire the outbox with keepalive. */
  onPageHide(): void {
    const reporter = this.reporter;
    const current = this.info;
    if (!reporter || !current) return;
    reporter.tracker.stop();
    reporter.cut();
    this.deps.sendOnExit(current.sessionId, this.queue.pending(current.sessionId));
    this.rememberBandwidth();
  }

  /**
   * Leaving for another page of the app: report the tail now; what does not get through stays in
   * the outbox for the next visit.
   */
  leave(): void {
    const reporter = this.reporter;
    this.reporter = null;
    if (reporter) {
      reporter.stop();
      reporter.tracker.stop();
      reporter.cut();
    }
    this.rememberBandwidth();
  }

  private rememberBandwidth(): void {
    const measured = this.source && !this.modes.audio ? this.source.bandwidth() : null;
    if (measured !== null) saveBandwidth(this.deps.store, measured);
  }
}

function safeGet(store: KeyValueStore, key: string): string | null {
  try {
    return store.getItem(key);
  } catch {
    return null;
  }
}

function safeSet(store: KeyValueStore, key: string, value: string): void {
  try {
    store.setItem(key, value);
  } catch {
    // storage full or blocked: the choice lasts for this page
  }
}
