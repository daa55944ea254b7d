/**
 * web/src/lib/load.svelte.ts in Node: the module is compiled by the Svelte compiler for the client
 * (runes on), exactly as Vite does for the web app, and its effects run under `effect_root` and
 * `flushSync` of the same Svelte runtime. Requests are promises the test settles by hand, so stale
 * answers can be delivered in any order.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileModule } from 'svelte/compiler';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as LoadModule from '../../web/src/lib/load.svelte.ts';

interface Runtime {
  flushSync: () => void;
  effect_root: (fn: () => void) => () => void;
  state: <V>(value: V) => unknown;
  get: <V>(signal: unknown) => V;
  set: <V>(signal: unknown, value: V) => void;
}
type Compiled = typeof LoadModule & Runtime;

let dir = '';
let mod: Compiled;

beforeAll(async () => {
  const source = readFileSync(new URL('../../web/src/lib/load.svelte.ts', import.meta.url), 'utf8');
  const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, useDefineForClassFields: true } }).outputText;
  const compiled = compileModule(js, { generate: 'client', filename: 'load.svelte.js' }).js.code;
  // one runtime instance for the module and the test: 'svelte' in Node is the server build
  const client = pathToFileURL(createRequire(import.meta.url).resolve('svelte/internal/client')).href;
  const code = `${compiled.replace(/from ['"]svelte(\/internal\/client)?['"]/g, `from '${client}'`)}\nexport { flush as flushSync, effect_root, state, get, set } from '${client}';\n`;
  dir = mkdtempSync(join(tmpdir(), 'lectern-load-'));
  const file = join(dir, 'load.svelte.mjs');
  writeFileSync(file, code);
  mod = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as Compiled;
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A request the test answers when it wants. */
interface Pending<T> {
  key: string;
  signal: AbortSignal;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function fakeApi<T>() {
  const calls: Pending<T>[] = [];
  const fetch = (key: string, signal: AbortSignal) =>
    new Promise<T>((resolve, reject) => {
      calls.push({ key, signal, resolve, reject });
    });
  return { calls, fetch };
}

/** Lets the promise callbacks run, then Svelte's effects. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await Promise.resolve();
  mod.flushSync();
}

function setup<T>(options: LoadModule.LoadOptions<T> = {}, initial = 'a') {
  const api = fakeApi<T>();
  const key = mod.state(initial);
  let loader!: LoadModule.Loaded<string, T>;
  const destroy = mod.effect_root(() => {
    loader = mod.load(() => mod.get<string>(key), api.fetch, options);
  });
  mod.flushSync();
  return { api, loader, destroy, setKey: (value: string) => (mod.set(key, value), mod.flushSync()) };
}

describe('load()', () => {
  it('loads at once, exposes loading, then the data', async () => {
    const { api, loader, destroy } = setup<string>();
    expect(api.calls.map((c) => c.key)).toEqual(['a']);
    expect(loader.loading).toBe(true);
    expect(loader.data).toBeUndefined();
    api.calls[0]!.resolve('answer a');
    await settle();
    expect(loader.loading).toBe(false);
    expect(loader.data).toBe('answer a');
    expect(loader.error).toBeNull();
    expect(loader.answers).toBe(1);
    destroy();
  });

  it('loads again when the key changes, aborts the old request and drops its late answer', async () => {
    const seen: string[] = [];
    const { api, loader, destroy, setKey } = setup<string>({ onData: (d) => seen.push(d) });
    setKey('b');
    expect(api.calls.map((c) => c.key)).toEqual(['a', 'b']);
    expect(api.calls[0]!.signal.aborted).toBe(true);
    expect(api.calls[1]!.signal.aborted).toBe(false);
    api.calls[1]!.resolve('answer b');
    await settle();
    api.calls[0]!.resolve('answer a, too late');
    await settle();
    expect(loader.data).toBe('answer b');
    expect(seen).toEqual(['answer b']);
    expect(loader.loading).toBe(false);
    destroy();
  });

  it('keeps the old data while the next key loads, unless reset', async () => {
    const kept = setup<string>();
    kept.api.calls[0]!.resolve('answer a');
    await settle();
    kept.setKey('b');
    expect(kept.loader.loading).toBe(true);
    expect(kept.loader.data).toBe('answer a');
    kept.destroy();

    const cleared = setup<string>({ reset: true });
    cleared.api.calls[0]!.resolve('answer a');
    await settle();
    cleared.setKey('b');
    expect(cleared.loader.data).toBeUndefined();
    cleared.destroy();
  });

  it('turns a failure into error through onError, ignores a stale failure, and clears the error on reload', async () => {
    const { api, loader, destroy, setKey } = setup<string>({ onError: (e) => `noted: ${(e as Error).message}` });
    setKey('b');
    api.calls[0]!.reject(new Error('stale failure'));
    await settle();
    expect(loader.error).toBeNull();
    api.calls[1]!.reject(new Error('boom'));
    await settle();
    expect(loader.error).toBe('noted: boom');
    expect(loader.loading).toBe(false);

    loader.reload();
    mod.flushSync();
    expect(api.calls.map((c) => c.key)).toEqual(['a', 'b', 'b']);
    expect(loader.error).toBeNull();
    expect(loader.loading).toBe(true);
    api.calls[2]!.resolve('answer b');
    await settle();
    expect(loader.data).toBe('answer b');
    destroy();
  });

  it('treats a fetch that throws at once as a failure', async () => {
    const key = mod.state('a');
    let loader!: LoadModule.Loaded<string, string>;
    const destroy = mod.effect_root(() => {
      loader = mod.load(() => mod.get<string>(key), () => {
        throw new Error('sync');
      });
    });
    mod.flushSync();
    await settle();
    expect((loader.error as Error).message).toBe('sync');
    destroy();
  });

  it('does not track what fetch reads, waits while not enabled, and stops when destroyed', async () => {
    const other = mod.state(0);
    const enabled = mod.state(false);
    const keys: string[] = [];
    const destroy = mod.effect_root(() => {
      mod.load(
        () => 'k',
        async (key) => {
          keys.push(`${key}:${mod.get<number>(other)}`);
          return 1;
        },
        { enabled: () => mod.get<boolean>(enabled) },
      );
    });
    mod.flushSync();
    expect(keys).toEqual([]);
    mod.set(enabled, true);
    mod.flushSync();
    expect(keys).toEqual(['k:0']);
    mod.set(other, 1);
    mod.flushSync();
    expect(keys).toEqual(['k:0']);
    destroy();
    mod.set(enabled, false);
    mod.set(enabled, true);
    mod.flushSync();
    expect(keys).toEqual(['k:0']);
  });

  it('drops an answer that arrives after the component is gone', async () => {
    const { api, loader, destroy } = setup<string>();
    destroy();
    expect(api.calls[0]!.signal.aborted).toBe(true);
    api.calls[0]!.resolve('late');
    await settle();
    expect(loader.data).toBeUndefined();
  });
});
