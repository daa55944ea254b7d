import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BandwidthMeter, chooseStartLevel, DEFAULT_ESTIMATE_BPS, hlsTuning, levelForHeight, LineMeter, nextLevel } from '../../web/src/lib/player/abr.ts';
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
    expect(chooseStartLevel(ladder, 128_000)).toBe(0); // 128k × 0.5 < 90k: lowest anyway
    expect(chooseStartLevel(ladder, 256_000)).toBe(0); // 128k: not yet 240p's 150k
    expect(chooseStartLevel(ladder, 512_000)).toBe(1);
    expect(chooseStartLevel(ladder, 600_000)).toBe(2);
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

describe('nextLevel (the package player’s rendition per segment)', () => {
  it('stays while the rendition needs at most 80 % of the line, drops below that', () => {
    expect(nextLevel(ladder, 1, 150_000 / 0.8)).toBe(1);
    expect(nextLevel(ladder, 1, 150_000 / 0.8 - 1)).toBe(0);
    expect(nextLevel(ladder, 3, 100_000)).toBe(0); // far too slow: the best that fits at once, not one rung a segment
  });

  it('goes up only to a rendition that needs at most half of the line', () => {
    expect(nextLevel(ladder, 0, 299_999)).toBe(0); // 240p needs 150k: not yet at twice
    expect(nextLevel(ladder, 0, 300_000)).toBe(1);
    expect(nextLevel(ladder, 0, 1_040_000)).toBe(3);
  });

  it('never answers a rendition the line cannot carry at 80 %, unless it is the lowest', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1, max: 3 }), fc.integer({ min: 1_000, max: 5_000_000 }), (current, estimate) => {
        const next = nextLevel(ladder, current, estimate);
        expect(next).toBeGreaterThanOrEqual(0);
        expect(next).toBeLessThan(ladder.length);
        if (next !== 0) expect(ladder[next]!.bitrate).toBeLessThanOrEqual(estimate * 0.8);
        // no up-switch without twice the bitrate
        if (current >= 0 && next > current) expect(ladder[next]!.bitrate).toBeLessThanOrEqual(estimate * 0.5);
      }),
    );
  });
});

describe('BandwidthMeter', () => {
  it('answers the seed until a segment was measured, then the measurement', () => {
    const meter = new BandwidthMeter(100_000);
    expect(meter.measured()).toBeNull();
    expect(meter.estimate()).toBe(100_000);
    meter.sample(16_000, 1000, 2); // 128 kbit/s
    expect(meter.measured()).toBeCloseTo(128_000, -2);
    expect(meter.estimate()).toBe(meter.measured());
  });

  it('believes a drop faster than a rise (the lower of a fast and a slow mean)', () => {
    const meter = new BandwidthMeter(100_000);
    for (let i = 0; i < 10; i++) meter.sample(64_000, 1000, 6); // 512 kbit/s for a minute
    meter.sample(8_000, 1000, 6); // then one 64 kbit/s segment
    const afterDrop = meter.measured()!;
    expect(afterDrop).toBeLessThan(400_000);
    const rising = new BandwidthMeter(100_000);
    for (let i = 0; i < 10; i++) rising.sample(8_000, 1000, 6);
    rising.sample(64_000, 1000, 6);
    expect(rising.measured()!).toBeLessThan(200_000);
  });

  it('ignores empty samples', () => {
    const meter = new BandwidthMeter(100_000);
    meter.sample(0, 1000, 2);
    meter.sample(1000, 1000, 0);
    expect(meter.measured()).toBeNull();
  });
});

describe('LineMeter (requests sharing the line)', () => {
  it('measures the line, not one request’s share of it', () => {
    // a 16 KB/s line (128 kbit/s): audio (9 KB) and video (6 KB) asked together share it; the
    // video ends 0.05 s after the audio, which alone would read as ~1 Mbit/s
    const line = new LineMeter(new BandwidthMeter(100_000));
    let now = 0;
    for (let i = 0; i < 10; i++) {
      line.begin(now);
      line.begin(now);
      line.end(now + 890, 9_000, 2);
      line.end(now + 940, 6_000, 2);
      now += 2000; // idle until the next pair
    }
    expect(line.meter.measured()!).toBeGreaterThan(120_000);
    expect(line.meter.measured()!).toBeLessThan(135_000);
  });

  it('samples a long busy stretch every two seconds, and never an init segment alone', () => {
    const line = new LineMeter(new BandwidthMeter(100_000));
    line.begin(0);
    line.end(300, 800, 0); // init
    expect(line.meter.measured()).toBeNull();
    line.begin(300);
    line.begin(300);
    line.end(2500, 32_000, 6); // still one out: 2.2 s busy, sampled
    expect(line.meter.measured()).not.toBeNull();
    line.end(2600, 0, 0); // aborted
  });
});
