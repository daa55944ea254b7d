/**
 * What this device remembers between visits: the line speed measured last time (so the next
 * visit starts at a rendition the line can carry instead of probing). The lawyer's quality and
 * listening choices are in controls.ts. Pure apart from the injected key-value store.
 */
import type { KeyValueStore } from './heartbeat-queue.ts';

const BANDWIDTH_KEY = 'lectern.player.bandwidth';
/** A measurement older than this says little about today's line. */
export const BANDWIDTH_MAX_AGE_MS = 14 * 24 * 3600 * 1000;
/** Below this, an estimate is noise (a stalled request); above it, nobody here needs more. */
const MIN_BPS = 8_000;
const MAX_BPS = 50_000_000;

interface Stored {
  bps: number;
  at: number;
}

export function loadBandwidth(store: KeyValueStore | null, nowMs = Date.now()): number | null {
  if (!store) return null;
  try {
    const raw = store.getItem(BANDWIDTH_KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Stored>;
    if (typeof parsed.bps !== 'number' || typeof parsed.at !== 'number') return null;
    if (!(parsed.bps >= MIN_BPS && parsed.bps <= MAX_BPS)) return null;
    if (nowMs - parsed.at > BANDWIDTH_MAX_AGE_MS || parsed.at > nowMs + 60_000) return null;
    return parsed.bps;
  } catch {
    return null;
  }
}

/**
 * Remembers a measured estimate. Lines drop more often than they rise, so a new measurement
 * lower than the stored one replaces it, while a higher one is only half believed.
 */
export function saveBandwidth(store: KeyValueStore | null, bps: number, nowMs = Date.now()): number | null {
  if (!store || !Number.isFinite(bps) || bps < MIN_BPS) return null;
  const previous = loadBandwidth(store, nowMs);
  const next = Math.round(Math.min(MAX_BPS, previous === null || bps <= previous ? bps : (previous + bps) / 2));
  try {
    store.setItem(BANDWIDTH_KEY, JSON.stringify({ bps: next, at: nowMs } satisfies Stored));
  } catch {
    return null;
  }
  return next;
}
