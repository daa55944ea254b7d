/**
 * Adaptive-bitrate choices for slow lines, pure: which rendition to start with and how hls.js
 * is tuned. The lecture ladder starts at 144p (≤ 64 kbit/s video + 32 kbit/s audio), so a
 * 128 kbit/s line can carry the lowest rung with some headroom, and nothing above it.
 */

/** Assumed line speed when this device never measured one: a conservative county line. */
export const DEFAULT_ESTIMATE_BPS = 100_000;
/**
 * Start at a rendition only when it needs at most this share of the measured bandwidth: the share
 * at which the player goes up (`nextLevel`), so it starts where it would climb to. With 0.7 and the
 * line measured right (LineMeter), a 128 kbit/s line started at 240p and fell to 144p within the
 * first seconds, which the page, /api/me and the first segments share (docs/benchmarks.md).
 */
export const START_FACTOR = 0.5;

export interface LevelInfo {
  /** bits per second the rendition needs (hls.js `bitrate`: BANDWIDTH/AVERAGE-BANDWIDTH) */
  bitrate: number;
  height?: number;
}

/**
 * The start level: the best rendition whose bitrate fits `estimateBps × factor`, else the lowest.
 * With no measurement it is always the lowest: a first visit must not stall. Levels may come in
 * any order; the answer is an index into `levels`.
 */
export function chooseStartLevel(levels: ReadonlyArray<LevelInfo>, estimateBps: number | null, factor = START_FACTOR): number {
  if (levels.length === 0) return -1;
  let lowest = 0;
  for (let i = 1; i < levels.length; i++) if (levels[i]!.bitrate < levels[lowest]!.bitrate) lowest = i;
  if (estimateBps === null || !(estimateBps > 0)) return lowest;
  const budget = estimateBps * factor;
  let best = -1;
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.bitrate <= budget && (best === -1 || level.bitrate > levels[best]!.bitrate)) best = i;
  }
  return best === -1 ? lowest : best;
}

/** The index of the rendition of a given picture height (for a remembered fixed choice), or -1. */
export function levelForHeight(levels: ReadonlyArray<LevelInfo>, height: number): number {
  return levels.findIndex((level) => level.height === height);
}

/**
 * hls.js settings for lines of 64–512 kbit/s (a subset of HlsConfig, kept as plain data so it is
 * testable and documented in one place; see docs/player.md):
 * - the bandwidth estimate starts at what was measured last time (or a conservative default);
 * - going up needs twice the rendition's bitrate (abrBandWidthUpFactor 0.5), going down happens at
 *   80 % (abrBandWidthFactor): on a flaky line a stall costs more than a sharper picture gains;
 * - a long forward buffer (60 s of media, capped by bytes) absorbs line drops, a short back buffer
 *   keeps memory low on cheap phones;
 * - generous timeouts: a 2 s segment of 144p can take several seconds at 64 kbit/s, and retrying
 *   it from zero is worse than waiting.
 */
export function hlsTuning(estimateBps: number | null, startLevel: number) {
  const estimate = estimateBps !== null && estimateBps > 0 ? estimateBps : DEFAULT_ESTIMATE_BPS;
  const slowLoad = {
    default: {
      maxTimeToFirstByteMs: 20_000,
      maxLoadTimeMs: 120_000,
      timeoutRetry: { maxNumRetry: 4, retryDelayMs: 1000, maxRetryDelayMs: 8000 },
      errorRetry: { maxNumRetry: 6, retryDelayMs: 1000, maxRetryDelayMs: 15_000 },
    },
  };
  return {
    startLevel,
    testBandwidth: false,
    abrEwmaDefaultEstimate: estimate,
    abrEwmaDefaultEstimateMax: Math.max(estimate, DEFAULT_ESTIMATE_BPS),
    abrBandWidthFactor: 0.8,
    abrBandWidthUpFactor: 0.5,
    abrEwmaFastVoD: 4,
    abrEwmaSlowVoD: 15,
    maxStarvationDelay: 6,
    maxLoadingDelay: 6,
    maxBufferLength: 60,
    maxMaxBufferLength: 180,
    maxBufferSize: 30 * 1000 * 1000,
    backBufferLength: 30,
    startFragPrefetch: true,
    capLevelToPlayerSize: false,
    enableWorker: false,
    fragLoadPolicy: slowLoad,
    playlistLoadPolicy: slowLoad,
    manifestLoadPolicy: slowLoad,
  };
}

/**
 * The line speed as the package player (package-player.ts) measures it: an exponentially
 * weighted mean of the segments' throughputs, weighted by their media duration, with a fast
 * (4 s half-life) and a slow (15 s) average, the lower one believed — hls.js's estimator,
 * with its `abrEwmaFastVoD` / `abrEwmaSlowVoD` above. Until the first sample it answers the seed.
 */
export class BandwidthMeter {
  private fast: Ewma;
  private slow: Ewma;
  private samples = 0;

  constructor(private readonly seedBps: number) {
    this.fast = new Ewma(4);
    this.slow = new Ewma(15);
  }

  /** A segment of `mediaSeconds` whose `bytes` took `elapsedMs` from request to last byte. */
  sample(bytes: number, elapsedMs: number, mediaSeconds: number): void {
    if (!(bytes > 0) || !(mediaSeconds > 0)) return;
    const bps = (bytes * 8) / (Math.max(elapsedMs, 1) / 1000);
    this.fast.add(mediaSeconds, bps);
    this.slow.add(mediaSeconds, bps);
    this.samples++;
  }

  /** bits/s measured on this line, or null before the first segment */
  measured(): number | null {
    return this.samples === 0 ? null : Math.min(this.fast.value(), this.slow.value());
  }

  /** what the rendition choice goes by: the measurement, else the seed */
  estimate(): number {
    return this.measured() ?? this.seedBps;
  }
}

class Ewma {
  private estimate = 0;
  private weight = 0;
  private readonly alpha: number;

  constructor(halfLifeSeconds: number) {
    this.alpha = Math.exp(Math.log(0.5) / halfLifeSeconds);
  }

  add(weight: number, value: number): void {
    const adjusted = Math.pow(this.alpha, weight);
    this.estimate = value * (1 - adjusted) + adjusted * this.estimate;
    this.weight += weight;
  }

  value(): number {
    // zero-factor correction, as hls.js: early samples are not pulled toward the initial 0
    const zeroFactor = 1 - Math.pow(this.alpha, this.weight);
    return zeroFactor > 0 ? this.estimate / zeroFactor : this.estimate;
  }
}

/**
 * The rendition the next segment comes from, on the rules `hlsTuning` gives hls.js: stay while
 * the rendition needs at most 80 % of the estimate, go up only to one that needs at most half,
 * and when the buffer ahead is nearly empty take the best that fits 80 % at once (a stall costs
 * more than a sharper picture gains). `current` is an index into `levels`; the answer too.
 */
export function nextLevel(levels: ReadonlyArray<LevelInfo>, current: number, estimateBps: number): number {
  if (levels.length === 0) return -1;
  const fits = (factor: number): number => chooseStartLevel(levels, estimateBps, factor);
  const down = fits(0.8);
  if (current < 0 || current >= levels.length) return down;
  const now = levels[current]!.bitrate;
  if (now > estimateBps * 0.8) return down;
  const up = fits(0.5);
  return levels[up]!.bitrate > now ? up : current;
}

/**
 * The line's speed when several requests share it (video, audio, a segment asked ahead): bytes
 * and time are summed over the stretch during which at least one request was out, and handed to
 * the meter when the line goes idle or every `stretchMs` of busy time. One request's own
 * throughput would count only its share of the line, and a request that ends just after another
 * would seem to have arrived in no time. Times are injected (ms); pure apart from the meter.
 */
export class LineMeter {
  private inFlight = 0;
  private busySince = 0;
  private bytes = 0;
  private mediaSeconds = 0;

  constructor(
    readonly meter: BandwidthMeter,
    private readonly stretchMs = 2000,
  ) {}

  begin(nowMs: number): void {
    if (this.inFlight === 0) this.busySince = nowMs;
    this.inFlight++;
  }

  /** A request ended: `bytes` received (0 when it failed or was aborted), carrying `mediaSeconds` of media. */
  end(nowMs: number, bytes: number, mediaSeconds: number): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.bytes += bytes;
    this.mediaSeconds += mediaSeconds;
    if (this.mediaSeconds > 0 && (this.inFlight === 0 || nowMs - this.busySince >= this.stretchMs)) {
      this.meter.sample(this.bytes, nowMs - this.busySince, this.mediaSeconds);
      this.bytes = 0;
      this.mediaSeconds = 0;
      this.busySince = nowMs;
    } else if (this.inFlight === 0 && this.mediaSeconds === 0) {
      this.bytes = 0; // an init segment alone says little about the line
    }
  }
}
