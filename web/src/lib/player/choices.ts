/**
 * The player's two choices (picture quality, listening mode) and how they are remembered on the
 * device. Its own module, re-exported by controls.ts: the entry reads the listening mode
 * (early-start.ts) and a module the entry imports is bundled into it whole.
 */
import type { KeyValueStore } from './heartbeat-queue.ts';

/** Picture quality: automatic, or one fixed rendition (by height). Applies to the video mode only. */
export type Quality = { kind: 'auto' } | { kind: 'level'; height: number };
/** Listening mode: the picture, audio with the slides, or audio alone (the cheapest line). */
export type Listening = 'video' | 'slides' | 'audio';

const QUALITY_KEY = 'lectern.player.quality';
const LISTENING_KEY = 'lectern.player.listening';
/** Before quality and mode were separate controls, one key held either (read once, then replaced). */
const LEGACY_MODE_KEY = 'lectern.player.mode';

export function qualityToString(quality: Quality): string {
  return quality.kind === 'level' ? `level:${quality.height}` : 'auto';
}

export function parseQuality(text: string | null | undefined): Quality {
  const match = /^level:(\d{2,4})$/.exec(text ?? '');
  return match ? { kind: 'level', height: Number(match[1]) } : { kind: 'auto' };
}

export function parseListening(text: string | null | undefined): Listening {
  return text === 'slides' || text === 'audio' ? text : 'video';
}

function read(store: KeyValueStore | null, key: string): string | null {
  try {
    return store?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function write(store: KeyValueStore | null, key: string, value: string): void {
  try {
    store?.setItem(key, value);
  } catch {
    // storage full or disabled: the choice lasts for this page
  }
}

/** The choices remembered on this device; an old single "mode" value is split into the two. */
export function loadChoices(store: KeyValueStore | null): { quality: Quality; listening: Listening } {
  const quality = read(store, QUALITY_KEY);
  const listening = read(store, LISTENING_KEY);
  if (quality === null && listening === null) {
    const legacy = read(store, LEGACY_MODE_KEY);
    if (legacy !== null) return { quality: parseQuality(legacy), listening: parseListening(legacy) };
  }
  return { quality: parseQuality(quality), listening: parseListening(listening) };
}

export function saveQuality(store: KeyValueStore | null, quality: Quality): void {
  write(store, QUALITY_KEY, qualityToString(quality));
}

export function saveListening(store: KeyValueStore | null, listening: Listening): void {
  write(store, LISTENING_KEY, listening);
}
