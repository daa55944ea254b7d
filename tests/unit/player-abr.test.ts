import { describe, expect, it } from 'vitest';
import { chooseStartLevel, DEFAULT_ESTIMATE_BPS, hlsTuning, levelForHeight } from '../../web/src/lib/player/abr.ts';
import { loadBandwidth, saveBandwidth, BANDWIDTH_MAX_AGE_MS } from '../../web/src/lib/player/bandwidth.ts';
import { memoryStore } from '../../web/src/lib/player/heartbeat-queue.ts';

const ladder = [
  { bitrate: 90_000, height: 144 },
  { bitrate: 150_000, height: 240 },
  { bitrate: 300_000, height: 360 },
  { bitrate: 520_000, height: 480 },
];

describe('chooseStartLevel', () => {
  it('starts at the lowest rendition without a measurement', () => {
    expect(chooseStartLevel(ladder, null)).toBe(0);
    expect(chooseStartLevel([...ladder].reverse(), null)).toBe(3);
  });

  it('starts at the best rendition that fits the remembered bandwidth with headroom', () => {
    expect(chooseStartLevel(ladder, 128_000)).toBe(0); // 128k × 0.7 < 90k: lowest anyway
    expect(chooseStartLevel(ladder, 256_000)).toBe(1);
    expect(chooseStartLevel(ladder, 512_000)).toBe(2);
    expect(chooseStartLevel(ladder, 10_000_000)).toBe(3);
  });

  it('handles an empty ladder and a nonsense estimate', () => {
    expect(chooseStartLevel([], 1e6)).toBe(-1);
    expect(chooseStartLevel(ladder, Number.NaN)).toBe(0);
    expect(chooseStartLevel(ladder, -5)).toBe(0);
  });

  it('finds a rendition by height', () => {
    expect(levelForHeight(ladder, 360)).toBe(2);
    expect(levelForHeight(ladder, 720)).toBe(-1);
  });
});

describe('hlsTuning', () => {
  it('seeds the estimate with the remembered bandwidth, or the conservative default', () => {
    expect(hlsTuning(200_000, 1)).toMatchObject({ startLevel: 1, abrEwmaDefaultEstimate: 200_000, testBandwidth: false });
    expect(hlsTuning(null, 0).abrEwmaDefaultEstimate).toBe(DEFAULT_ESTIMATE_BPS);
  });
});

describe('bandwidth memory', () => {
  it('remembers a measurement, believes drops at once and rises by half', () => {
    const store = memoryStore();
    expect(loadBandwidth(store)).toBeNull();
    saveBandwidth(store, 400_000, 1000);
    expect(loadBandwidth(store, 2000)).toBe(400_000);
    saveBandwidth(store, 100_000, 3000);
    expect(loadBandwidth(store, 4000)).toBe(100_000);
    saveBandwidth(store, 300_000, 5000);
    expect(loadBandwidth(store, 6000)).toBe(200_000);
  });

  it('forgets an old or absurd measurement', () => {
    const store = memoryStore();
    saveBandwidth(store, 400_000, 0);
    expect(loadBandwidth(store, BANDWIDTH_MAX_AGE_MS + 1)).toBeNull();
    store.setItem('lectern.player.bandwidth', '{"bps":3,"at":0}');
    expect(loadBandwidth(store, 1)).toBeNull();
    store.setItem('lectern.player.bandwidth', 'garbage');
    expect(loadBandwidth(store, 1)).toBeNull();
    expect(saveBandwidth(store, Number.NaN)).toBeNull();
  });
});
