/**
 * Small requests that can wait while a lecture starts (docs/player.md, "Start-up"): on 128 kbit/s
 * every request beside the playlists and first segments delays the first frame. The entry holds
 * the line when the page is a lecture; the lecture page releases it at its first frame (or a
 * refusal or failure), and it releases itself after 5 s whatever happens. Requests that only
 * decorate the page (the nav's 结对帮扶 link) ask when `lineQuiet()` is true.
 */
let held = $state(false);
let timer: ReturnType<typeof setTimeout> | undefined;

export function holdLineForStart(ms = 5000): void {
  held = true;
  clearTimeout(timer);
  timer = setTimeout(releaseLine, ms);
}

export function releaseLine(): void {
  held = false;
  clearTimeout(timer);
}

export function lineQuiet(): boolean {
  return !held;
}
