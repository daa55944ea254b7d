/**
 * Adaptive-bitrate choices for slow lines, pure: which rendition to start with and how hls.js
 * is tuned. The lecture ladder starts at 144p (≤ 64 kbit/s video + 32 kbit/s audio), so a
 * 128 kbit/s line can carry the lowest rung with some headroom, and nothing above it.
 */

/** Assumed line speed when this device never measured one: a conservative county line. */
export const DEFAULT_ESTIMATE_BPS = 100_000;
/** Start at a rendition only when it needs at most this share of the measured bandwidth. */
export const START_FACTOR = 0.7;

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
