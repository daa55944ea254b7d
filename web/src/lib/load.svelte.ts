/**
 * One way to load data in a component (issue 11, item 6): the "load, then check cancelled" effect
 * that used to be copied into every page.
 *
 *   const course = load(() => params.courseId ?? '', (id, signal) => api.getCourse(id, signal), { onError: noteFailure });
 *   {#if course.error} <Failure error={course.error} retry={course.reload} /> {:else if course.data} … {/if}
 *
 * - `key` is read inside an effect: whatever reactive state it reads is the dependency; when the
 *   key's value changes (or `reload()` is called) the fetch runs again. `fetch` itself runs
 *   untracked, so the state it reads does not re-run it.
 * - An answer that arrives after a newer load started, or after the component is gone, is dropped;
 *   the previous request's signal is aborted, and an abort is never an error.
 * - `data` keeps the last answer while a new one loads (no flash of "loading…"), unless `reset`;
 *   it may be assigned (an edit the page made). `error` is what `onError` made of the failure
 *   (e.g. `noteFailure`, which also sends a 401 to /login), cleared when a new load starts.
 * - Create it while a component initialises (or inside `$effect.root`), like any `$effect`.
 */
import { untrack } from 'svelte';

export interface LoadOptions<T> {
  /** what to keep as `error` (default: the thrown value itself) */
  onError?: (error: unknown) => unknown;
  /** called with each fresh answer, after `data` is set (fill a form from it) */
  onData?: (data: T) => void;
  /** clear `data` when the key changes, so the page shows "loading" rather than the old answer */
  reset?: boolean;
  /** false: do not load (yet); `data` and `error` stay as they are */
  enabled?: () => boolean;
}

export class Loaded<K, T> {
  data = $state.raw<T | undefined>(undefined);
  error = $state.raw<unknown>(null);
  loading = $state(false);
  /** how many answers have arrived (0: none yet) */
  answers = $state(0);
  #reloads = $state(0);

  constructor(key: () => K, fetch: (key: K, signal: AbortSignal) => Promise<T>, options: LoadOptions<T> = {}) {
    let lastKey: unknown = Symbol('none');
    $effect(() => {
      void this.#reloads;
      if (options.enabled && !options.enabled()) return;
      const wanted = key();
      const controller = new AbortController();
      let current = true;
      untrack(() => {
        if (options.reset && !Object.is(wanted, lastKey)) this.data = undefined;
        lastKey = wanted;
        this.loading = true;
        this.error = null;
      });
      const settle = (apply: () => void) => {
        if (!current) return;
        current = false;
        this.loading = false;
        apply();
      };
      // a fetch that throws at once fails like one that rejects
      new Promise<T>((resolve) => resolve(untrack(() => fetch(wanted, controller.signal)))).then(
        (answer) =>
          settle(() => {
            this.data = answer;
            this.answers += 1;
            options.onData?.(answer);
          }),
        (error: unknown) =>
          settle(() => {
            this.error = options.onError ? options.onError(error) : error;
          }),
      );
      return () => {
        current = false;
        controller.abort();
      };
    });
  }

  /** Loads again with the same key (a retry button, after a change). */
  reload = (): void => {
    this.#reloads += 1;
  };
}

/**
 * Loads `fetch(key())` now and again whenever `key()` changes; see the file's comment.
 * `reset` compares keys with `Object.is`: give it a primitive key (an id, `${id}:${year}`).
 */
export function load<K, T>(key: () => K, fetch: (key: K, signal: AbortSignal) => Promise<T>, options: LoadOptions<T> = {}): Loaded<K, T> {
  return new Loaded(key, fetch, options);
}
