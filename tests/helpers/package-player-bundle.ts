/**
 * The package player (web/src/lib/player/package-player.ts) as one classic script for a bare test
 * page: `window.LecternPackage.attachPackage(element, url, options)`. Built by Vite, as the app is,
 * once per test file.
 */
import path from 'node:path';
import { build, type Rollup } from 'vite';

export async function packagePlayerScript(): Promise<string> {
  const entry = path.resolve(import.meta.dirname, '../../web/src/lib/player/package-player.ts');
  const result = await build({
    configFile: false,
    logLevel: 'silent',
    build: { write: false, minify: false, lib: { entry, formats: ['iife'], name: 'LecternPackage', fileName: () => 'package-player.js' } },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rollup.RollupOutput[];
  const chunk = outputs.flatMap((output) => output.output).find((file) => file.type === 'chunk');
  if (!chunk || chunk.type !== 'chunk') throw new Error('no package player bundle');
  return chunk.code;
}
