// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the root tsconfig (tests) reaches this file without web/src/**/*.d.ts
/// <reference path="./hls-light.d.ts" />
/**
 * Puts an HLS playlist into a <video> or <audio> element. Our own packages play through the
 * package player (package-player.ts: a few KiB, MSE); a package it does not understand goes to
 * hls.js, imported dynamically, here only, so it lands in lazy chunks that a lecture of ours
 * never fetches. Where the browser has no Media Source Extensions but plays HLS itself (older iOS
 * Safari), the native player is used. docs/player.md, "The package player".
 *
 * Two builds of hls.js (docs/player.md, "hls.js, for packages not of ours"): the light one (`hls.js/light`,
 * about 96 KiB at brotli 11 against 145 KiB) has no alternate audio renditions, subtitles, EME,
 * CMCD…, which is all the audio modes need: they play `audio.m3u8`, a media playlist, and the
 * captions are our own `<track>`s and caption line, never hls.js's. The master playlist's video
 * renditions carry no sound of their own (the sound is the separate `audio` rendition), so video
 * mode needs the full build's alternate audio.
 */
import type HlsType from 'hls.js';
import type { ErrorData, HlsConfig, Loader, LoaderCallbacks, LoaderConfiguration, LoaderContext, LoaderStats, PlaylistLoaderContext } from 'hls.js';
import { chooseStartLevel, hlsTuning, levelForHeight, type LevelInfo } from './abr.ts';
import { takePlaylist } from './early-start.ts';
import { attachPackage, mediaSourceClass } from './package-player.ts';

export interface MediaSource {
  /** ours (package-player.ts), hls.js for any other package, or the browser's own HLS */
  readonly engine: 'package' | 'hls.js' | 'native';
  /** the renditions, lowest first (empty for native playback and audio playlists) */
  levels(): (LevelInfo & { index: number })[];
  /** -1: automatic */
  setLevel(index: number): void;
  /** height of the rendition playing now, or null */
  playingHeight(): number | null;
  autoLevel(): boolean;
  /** the bandwidth measured on this line, bits/s, or null */
  bandwidth(): number | null;
  destroy(): void;
}

export interface AttachOptions {
  /** the master playlist or `audio.m3u8`: decides the hls.js build */
  playlist: Playlist;
  /** media time to start at */
  startAt: number;
  /** remembered bandwidth (bits/s) or null */
  estimate: number | null;
  /** a fixed rendition height chosen by the user, or null for automatic */
  fixedHeight: number | null;
  /** fatal error the player cannot recover from */
  onFatal: (reason: string) => void;
  /** levels known or the playing level changed */
  onLevels: () => void;
}


function canPlayNatively(element: HTMLMediaElement): boolean {
  return element.canPlayType('application/vnd.apple.mpegurl') !== '' || element.canPlayType('audio/mpegurl') !== '';
}

/** What a source is: the master playlist (video renditions + the audio rendition) or `audio.m3u8`. */
export type Playlist = 'master' | 'audio';
export type HlsBuild = 'light' | 'full';

/** The smallest hls.js build that plays `playlist`: only the master's separate audio needs the full one. */
export function buildFor(playlist: Playlist): HlsBuild {
  return playlist === 'audio' ? 'light' : 'full';
}

const hlsModules: Partial<Record<HlsBuild, Promise<typeof HlsType>>> = {};
/** Fetches the hls.js build `playlist` needs, once per build (only for a package not of ours). */
function loadHls(playlist: Playlist): Promise<typeof HlsType> | null {
  if (!mediaSourceClass()) return null;
  const build = buildFor(playlist);
  hlsModules[build] ??= (build === 'light' ? import('hls.js/light') : import('hls.js')).then((module) => module.default);
  return hlsModules[build];
}

export async function attachSource(element: HTMLMediaElement, url: string, options: AttachOptions): Promise<MediaSource> {
  const ours = await attachPackage(element, url, options);
  if (ours) return ours;
  const loading = loadHls(options.playlist);
  const Hls = loading ? await loading.catch(() => null) : null;
  if (!Hls || !Hls.isSupported()) {
    if (!canPlayNatively(element)) throw new Error('unsupported');
    return attachNative(element, url, options);
  }

  const hls = new Hls({
    ...(hlsTuning(options.estimate, -1) as Partial<HlsConfig>),
    autoStartLoad: false,
    startPosition: options.startAt,
    pLoader: prefetchedPlaylists(Hls.DefaultConfig.loader),
  });
  let recoveredMedia = false;

  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    const levels = hls.levels.map((level) => ({ bitrate: level.bitrate, height: level.height }));
    const fixed = options.fixedHeight !== null ? levelForHeight(levels, options.fixedHeight) : -1;
    const start = fixed >= 0 ? fixed : chooseStartLevel(levels, options.estimate);
    if (start >= 0) hls.startLevel = start;
    hls.startLoad(options.startAt);
    if (fixed >= 0) hls.loadLevel = fixed;
    options.onLevels();
  });
  hls.on(Hls.Events.LEVEL_SWITCHED, () => options.onLevels());
  hls.on(Hls.Events.ERROR, (_event, data: ErrorData) => {
    if (!data.fatal) return;
    // hls.js already retried loads per its policies; a fatal network error means the line is gone
    // for long: keep trying slowly instead of giving up, since the lawyer may be on a train.
    if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
      setTimeout(() => hls.startLoad(), 5000);
      return;
    }
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !recoveredMedia) {
      recoveredMedia = true;
      hls.recoverMediaError();
      return;
    }
    options.onFatal(`${data.type}: ${data.details}`);
  });
  hls.loadSource(url);
  hls.attachMedia(element);

  return {
    engine: 'hls.js',
    levels: () =>
      hls.levels
        .map((level, index) => ({ index, bitrate: level.bitrate, height: level.height }))
        .sort((a, b) => a.bitrate - b.bitrate),
    setLevel: (index) => {
      // A fixed choice switches at once (the buffer is replaced); back to automatic keeps the buffer.
      if (index >= 0) hls.currentLevel = index;
      else hls.loadLevel = -1;
    },
    playingHeight: () => {
      const level = hls.levels[hls.currentLevel];
      return level ? level.height : null;
    },
    autoLevel: () => hls.autoLevelEnabled,
    bandwidth: () => {
      const estimate = hls.bandwidthEstimate;
      return Number.isFinite(estimate) && estimate > 0 ? estimate : null;
    },
    destroy: () => hls.destroy(),
  };
}

type LoaderClass = new (config: HlsConfig) => Loader<LoaderContext>;

/**
 * hls.js's playlist loader, answering from the playlists early-start.ts fetched as soon as the
 * session answered (docs/player.md, "Start-up"); any other playlist, or one whose early fetch
 * failed, goes to the default loader as usual.
 */
function prefetchedPlaylists(Default: LoaderClass): new (config: HlsConfig) => Loader<PlaylistLoaderContext> {
  return class PrefetchedPlaylists implements Loader<PlaylistLoaderContext> {
    private readonly inner: Loader<LoaderContext>;
    private own: PlaylistLoaderContext | null = null;
    private aborted = false;

    constructor(config: HlsConfig) {
      this.inner = new Default(config);
    }

    get context(): PlaylistLoaderContext | null {
      return this.own ?? (this.inner.context as PlaylistLoaderContext | null);
    }

    get stats(): LoaderStats {
      return this.inner.stats;
    }

    load(context: PlaylistLoaderContext, config: LoaderConfiguration, callbacks: LoaderCallbacks<PlaylistLoaderContext>): void {
      const early = takePlaylist(context.url);
      if (!early) {
        this.inner.load(context, config, callbacks as unknown as LoaderCallbacks<LoaderContext>);
        return;
      }
      this.own = context;
      const stats = this.inner.stats;
      stats.loading.start = performance.now();
      void early.then((fetched) => {
        if (this.aborted) return;
        if (!fetched) {
          this.own = null;
          this.inner.load(context, config, callbacks as unknown as LoaderCallbacks<LoaderContext>);
          return;
        }
        stats.loading.first = stats.loading.end = Math.max(stats.loading.start, performance.now());
        stats.loaded = stats.total = fetched.text.length;
        callbacks.onSuccess({ url: fetched.url, data: fetched.text, code: 200 }, stats, context, null);
      });
    }

    abort(): void {
      this.aborted = true;
      this.inner.abort();
    }

    destroy(): void {
      this.aborted = true;
      this.inner.destroy();
    }
  };
}

function attachNative(element: HTMLMediaElement, url: string, options: AttachOptions): MediaSource {
  const seekToStart = (): void => {
    if (options.startAt > 0) element.currentTime = options.startAt;
  };
  element.addEventListener('loadedmetadata', seekToStart, { once: true });
  element.src = url;
  return {
    engine: 'native',
    levels: () => [],
    setLevel: () => undefined,
    playingHeight: () => null,
    autoLevel: () => true,
    bandwidth: () => null,
    destroy: () => {
      element.removeEventListener('loadedmetadata', seekToStart);
      element.removeAttribute('src');
      element.load();
    },
  };
}
