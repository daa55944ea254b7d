/**
 * The player's control rules (web/src/lib/player/controls.ts): the two remembered choices, the
 * speeds under a course's cap, the time-left estimate, the shortcuts, the audio-only suggestion.
 */
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../../web/src/lib/player/heartbeat-queue.ts';
import {
  keyAction,
  loadChoices,
  parseListening,
  parseQuality,
  saveListening,
  saveQuality,
  seekTarget,
  speedOptions,
  suggestAudioOnly,
  timeLeft,
} from '../../web/src/lib/player/controls.ts';

describe('player controls', () => {
  it('remembers quality and listening mode apart, and splits the old single "mode" value', () => {
    const store = memoryStore();
    expect(loadChoices(store)).toEqual({ quality: { kind: 'auto' }, listening: 'video' });
    store.setItem('lectern.player.mode', 'slides');
    expect(loadChoices(store)).toEqual({ quality: { kind: 'auto' }, listening: 'slides' });
    store.setItem('lectern.player.mode', 'level:240');
    expect(loadChoices(store)).toEqual({ quality: { kind: 'level', height: 240 }, listening: 'video' });
    saveQuality(store, { kind: 'level', height: 144 });
    saveListening(store, 'audio');
    expect(loadChoices(store)).toEqual({ quality: { kind: 'level', height: 144 }, listening: 'audio' });
    expect(parseQuality('level:abc')).toEqual({ kind: 'auto' });
    expect(parseQuality(null)).toEqual({ kind: 'auto' });
    expect(parseListening('level:144')).toBe('video');
  });

  it('offers no speed above the course cap, and the cap itself', () => {
    expect(speedOptions(1)).toEqual([0.75, 1]);
    expect(speedOptions(1.5)).toEqual([0.75, 1, 1.25, 1.5]);
    expect(speedOptions(2)).toEqual([0.75, 1, 1.25, 1.5, 1.75, 2]);
    expect(speedOptions(1.1)).toEqual([0.75, 1, 1.1]);
    expect(speedOptions(Number.NaN)).toEqual([0.75, 1]);
  });

  it('time left: what is still to cover for credit, at the current speed, in plain units', () => {
    // a 1:15 lecture, nothing covered: 0.95 × 75 = 71.25 s → about 1 minute (not 2)
    expect(timeLeft({ duration: 75, coverageSeconds: 0, completionRatio: 0.95, rate: 1 })).toEqual({ unit: 'minutes', value: 1 });
    expect(timeLeft({ duration: 75, coverageSeconds: 50, completionRatio: 0.95, rate: 1 })).toEqual({ unit: 'seconds', value: 25 });
    // an hour and a quarter, half covered: 0.95 × 4500 − 2250 = 2025 s ≈ 34 minutes; at 1.5× ≈ 23
    expect(timeLeft({ duration: 4500, coverageSeconds: 2250, completionRatio: 0.95, rate: 1 })).toEqual({ unit: 'minutes', value: 34 });
    expect(timeLeft({ duration: 4500, coverageSeconds: 2250, completionRatio: 0.95, rate: 1.5 })).toEqual({ unit: 'minutes', value: 23 });
    expect(timeLeft({ duration: 75, coverageSeconds: 72, completionRatio: 0.95, rate: 1 })).toBeNull();
    expect(timeLeft({ duration: 0, coverageSeconds: 0, completionRatio: 0.95, rate: 1 })).toBeNull();
  });

  it('shortcuts: space/k, arrows, m, c, ?; never while typing or with a modifier', () => {
    expect(keyAction({ key: ' ' })).toBe('toggle');
    expect(keyAction({ key: 'k' })).toBe('toggle');
    expect(keyAction({ key: 'ArrowLeft' })).toBe('back');
    expect(keyAction({ key: 'ArrowRight' })).toBe('forward');
    expect(keyAction({ key: 'M' })).toBe('mute');
    expect(keyAction({ key: 'c' })).toBe('captions');
    expect(keyAction({ key: '?' })).toBe('help');
    expect(keyAction({ key: 'x' })).toBeNull();
    expect(keyAction({ key: 'k', target: { tagName: 'input' } })).toBeNull();
    expect(keyAction({ key: 'ArrowLeft', target: { tagName: 'SELECT' } })).toBeNull();
    expect(keyAction({ key: ' ', target: { tagName: 'BUTTON' } })).toBeNull();
    expect(keyAction({ key: 'k', target: { tagName: 'BUTTON' } })).toBe('toggle');
    expect(keyAction({ key: 'ArrowRight', metaKey: true })).toBeNull();
  });

  it('a seek stays inside the lecture', () => {
    expect(seekTarget(3, -5, 75)).toBe(0);
    expect(seekTarget(10, 5, 75)).toBe(15);
    expect(seekTarget(73, 5, 75)).toBe(74.75);
  });

  it('suggests audio only when the line is slower than the lowest video rendition', () => {
    const levels = [{ bitrate: 96_000, height: 144 }, { bitrate: 200_000, height: 240 }];
    expect(suggestAudioOnly(null, levels)).toBe(false);
    expect(suggestAudioOnly(120_000, levels)).toBe(false);
    expect(suggestAudioOnly(64_000, levels)).toBe(true);
    expect(suggestAudioOnly(64_000, [])).toBe(false);
  });
});
