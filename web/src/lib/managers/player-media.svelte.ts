/**
 * The media element as the page sees it: time, duration, play/pause, buffering, mute, speed and
 * captions, read from the element's events, and the actions of the controls and shortcuts. The
 * element is anything shaped like an HTMLMediaElement (`MediaElementLike`), so the unit tests
 * drive a fake one. What is reported for credit is not decided here: the hooks tell the
 * controller what happened (see player.svelte.ts).
 */
import { seekTarget } from '../player/controls.ts';

/** The part of HTMLMediaElement the player uses. */
export interface MediaElementLike {
  currentTime: number;
  readonly duration: number;
  readonly paused: boolean;
  readonly seeking: boolean;
  readonly readyState: number;
  playbackRate: number;
  /** what loading a new source resets playbackRate to */
  defaultPlaybackRate?: number;
  muted: boolean;
  readonly textTracks?: { readonly length: number; [index: number]: { kind: string; mode: string } | undefined };
  play(): Promise<void>;
  pause(): void;
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

export interface MediaHooks {
  /** a `timeupdate`: the element and its time */
  time(element: MediaElementLike): void;
  playing(element: MediaElementLike): void;
  /** seeking, pause, stall: the current played interval ends */
  stopped(): void;
  ended(): void;
  /** the rate changed and is within the course's cap */
  rate(rate: number): void;
  /** a stall: the line may be too slow */
  waiting(): void;
}

export class MediaState {
  currentTime = $state(0);
  /** the element's duration (the session's figure is preferred where known) */
  duration = $state(0);
  paused = $state(true);
  buffering = $state(true);
  muted = $state(false);
  ended = $state(false);
  rate = $state(1);
  /** a faster rate was asked for than the course allows, and refused */
  rateCapped = $state(false);
  hasCaptions = $state(false);
  captionsOn = $state(false);
  /** the person's choice, remembered on the device (the controller loads and saves it); on by default */
  captionsWanted = $state(true);
  /** told when the person turns captions on or off */
  onCaptionsChoice: ((on: boolean) => void) | null = null;
  /** the element whose tracks were set to the choice */
  private captionsSetOn: MediaElementLike | null = null;
  /** this element has played (a later `waiting` is a stall, not the start) */
  playedOnce = false;

  private element: MediaElementLike | null = null;

  /** @param maxRate the course's cap, read at each rate change */
  constructor(private readonly maxRate: () => number) {}

  get attached(): MediaElementLike | null {
    return this.element;
  }

  /** Listens to an element; answers the function that stops listening. */
  bind(element: MediaElementLike, hooks: MediaHooks): () => void {
    this.element = element;
    this.buffering = true;
    this.ended = false;
    this.paused = element.paused;
    this.muted = element.muted;
    this.playedOnce = false;
    const listeners: Record<string, () => void> = {
      timeupdate: () => {
        this.currentTime = element.currentTime;
        this.checkCaptions(element);
        hooks.time(element);
      },
      playing: () => {
        this.playedOnce = true;
        this.buffering = false;
        this.paused = false;
        this.ended = false;
        hooks.playing(element);
      },
      play: () => {
        this.paused = false;
      },
      seeking: () => hooks.stopped(),
      seeked: () => {
        this.currentTime = element.currentTime;
      },
      pause: () => {
        this.paused = true;
        hooks.stopped();
      },
      waiting: () => {
        this.buffering = true;
        hooks.stopped();
        hooks.waiting();
      },
      canplay: () => {
        this.buffering = false;
      },
      ended: () => {
        this.ended = true;
        this.paused = true;
        hooks.stopped();
        hooks.ended();
      },
      ratechange: () => {
        // The course's cap: faster playback would not be credited, so it is not offered.
        const cap = this.maxRate();
        if (element.playbackRate > cap + 1e-9) {
          element.playbackRate = cap;
          this.rateCapped = true;
          return;
        }
        this.rate = element.playbackRate;
        hooks.rate(element.playbackRate);
      },
      volumechange: () => {
        this.muted = element.muted;
      },
      durationchange: () => {
        if (Number.isFinite(element.duration)) this.duration = element.duration;
      },
      loadedmetadata: () => this.checkCaptions(element),
    };
    for (const [name, handler] of Object.entries(listeners)) element.addEventListener(name, handler);
    this.checkCaptions(element); // <track> children are there before any event
    // a new element starts at the speed chosen before (a mode switch replaces the element)
    if (this.rate !== 1) {
      element.defaultPlaybackRate = this.rate;
      if (element.playbackRate !== this.rate) element.playbackRate = this.rate;
    }
    return () => {
      for (const [name, handler] of Object.entries(listeners)) element.removeEventListener(name, handler);
      if (this.element === element) this.element = null;
    };
  }

  private checkCaptions(element: MediaElementLike): void {
    const tracks = element.textTracks;
    let found = false;
    for (let i = 0; tracks && i < tracks.length; i++) {
      const kind = tracks[i]?.kind;
      if (kind === 'subtitles' || kind === 'captions') found = true;
    }
    if (found !== this.hasCaptions) this.hasCaptions = found;
    if (found && this.captionsSetOn !== element) {
      this.captionsSetOn = element;
      this.applyCaptions(element, this.captionsWanted);
    }
  }

  /**
   * The first subtitle track shows (on) or is hidden (off: its cues still load, so the page's
   * caption line and tests can read them); the others are off.
   */
  private applyCaptions(element: MediaElementLike, on: boolean): void {
    const tracks = element.textTracks;
    let first = true;
    for (let i = 0; tracks && i < tracks.length; i++) {
      const track = tracks[i];
      if (!track || (track.kind !== 'subtitles' && track.kind !== 'captions')) continue;
      track.mode = first ? (on ? 'showing' : 'hidden') : 'disabled';
      first = false;
    }
    this.captionsOn = on;
  }

  /** Plays (answers false when the browser refuses, e.g. autoplay without a gesture). */
  async play(): Promise<boolean> {
    const element = this.element;
    if (!element) return false;
    try {
      await element.play();
      return true;
    } catch {
      return false;
    }
  }

  toggle(): void {
    const element = this.element;
    if (!element) return;
    if (element.paused) void this.play();
    else element.pause();
  }

  /** Moves to a time inside the lecture (`duration`: the best known length). */
  seekTo(time: number, duration: number): void {
    const element = this.element;
    if (!element || !Number.isFinite(time)) return;
    const target = seekTarget(time, 0, duration);
    element.currentTime = target;
    this.currentTime = target;
  }

  seekBy(delta: number, duration: number): void {
    const element = this.element;
    if (!element) return;
    this.seekTo(seekTarget(element.currentTime, delta, duration), duration);
  }

  toggleMute(): void {
    const element = this.element;
    if (!element) return;
    element.muted = !element.muted;
    this.muted = element.muted;
  }

  /** A chosen speed; anything above the course's cap is lowered to it. */
  setRate(rate: number): void {
    const next = Math.min(rate, this.maxRate());
    if (!(next > 0)) return;
    this.rate = next;
    if (this.element) {
      this.element.defaultPlaybackRate = next; // loading a source (a mode switch) keeps the speed
      this.element.playbackRate = next;
    }
  }

  toggleCaptions(): void {
    const element = this.element;
    if (!element?.textTracks || !this.hasCaptions) return;
    this.captionsWanted = !this.captionsOn;
    this.applyCaptions(element, this.captionsWanted);
    this.onCaptionsChoice?.(this.captionsWanted);
  }
}
