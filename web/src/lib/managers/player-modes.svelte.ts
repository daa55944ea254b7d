/**
 * The player's two choices, kept apart: the picture quality (Auto or one rendition, video mode
 * only) and the listening mode (video, audio + slides, audio only). Both are remembered on the
 * device. Also what the quality menu shows: the renditions of the stream and, while Auto is on,
 * the rendition playing now. No DOM: the stream is reached through the MediaSource it is given.
 */
import type { KeyValueStore } from '../player/heartbeat-queue.ts';
import type { MediaSource } from '../player/hls-loader.ts';
import { loadChoices, saveListening, saveQuality, suggestAudioOnly, type Listening, type Quality } from '../player/controls.ts';

export interface Rendition {
  index: number;
  height?: number;
  bitrate: number;
}

export class PlayerModes {
  quality = $state.raw<Quality>({ kind: 'auto' });
  listening = $state<Listening>('video');
  /** the stream's renditions, lowest first (known once its manifest is parsed) */
  levels = $state.raw<Rendition[]>([]);
  /** the rendition playing now, or null */
  playingHeight = $state<number | null>(null);
  /** the line speed hls.js measured at a stall (bits/s), or the one remembered from an earlier visit */
  bandwidth = $state<number | null>(null);
  /** the person said no to the audio-only suggestion on this page */
  suggestionDismissed = $state(false);

  /** the audio modes play `audio.m3u8` in an <audio> element */
  readonly audio = $derived(this.listening !== 'video');
  readonly autoOn = $derived(this.quality.kind === 'auto');
  /** the height to show next to "Auto": only while Auto is the choice and a rendition plays */
  readonly autoHeight = $derived(this.autoOn && !this.audio ? this.playingHeight : null);
  /** the line cannot carry the lowest video rendition: offer audio only */
  readonly suggestAudio = $derived(!this.audio && !this.suggestionDismissed && suggestAudioOnly(this.bandwidth, this.levels));

  private source: MediaSource | null = null;

  constructor(private readonly store: KeyValueStore | null) {
    const choices = loadChoices(store);
    this.quality = choices.quality;
    this.listening = choices.listening;
  }

  /** The fixed height to start a video stream at, or null for Auto. */
  get fixedHeight(): number | null {
    return this.quality.kind === 'level' ? this.quality.height : null;
  }

  /** A stream is attached (video or audio); its renditions and level are read from it. */
  useSource(source: MediaSource | null, audio: boolean): void {
    this.source = source;
    if (source && !audio) this.levels = source.levels();
    this.refresh();
  }

  /** The stream said its levels are known or the playing level changed; also called as it plays. */
  refresh(): void {
    const height = this.source?.playingHeight() ?? null;
    if (this.source && height !== this.playingHeight) this.playingHeight = height;
  }

  /**
   * Playback stalled: read the line speed hls.js measured. Only a stall (or a figure remembered
   * from an earlier visit) is taken as evidence: before its first segments hls.js answers its
   * seed estimate, which says nothing about this line.
   */
  noteStall(): void {
    const measured = this.source?.bandwidth() ?? null;
    if (measured !== null && measured !== this.bandwidth) this.bandwidth = measured;
  }

  setQuality(next: Quality): void {
    this.quality = next;
    saveQuality(this.store, next);
    const source = this.source;
    if (!source || this.audio) return;
    const index = next.kind === 'level' ? (this.levels.find((level) => level.height === next.height)?.index ?? -1) : -1;
    source.setLevel(index);
    this.refresh();
  }

  /** Switching between video and an audio mode replaces the element (the page re-attaches). */
  setListening(next: Listening): void {
    this.listening = next;
    saveListening(this.store, next);
    if (next === 'audio') this.suggestionDismissed = true;
  }

  dismissSuggestion(): void {
    this.suggestionDismissed = true;
  }
}
