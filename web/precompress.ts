/**
 * Vite build plugin: writes `name.br` (brotli 11) and `name.gz` (gzip 9) beside every text file
 * of the build, and the server sends them as they are (@fastify/static `preCompressed`). On a
 * 128 kbit/s line each kilobyte is 64 ms: compressing once at the highest level at build beats
 * the quick per-request level @fastify/compress can afford (brotli 4), and costs the API no CPU
 * per visit. Measured for the player route in docs/benchmarks.md ("Web bundle").
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Plugin } from 'vite';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** files worth compressing: text; below this size the headers cost more than they save */
const COMPRESSIBLE = /\.(?:js|mjs|css|html|svg|json|webmanifest|txt)$/;
export const MIN_PRECOMPRESS_BYTES = 1024;

export async function precompressFile(file: string): Promise<{ bytes: number; br: number; gz: number } | null> {
  const source = await readFile(file);
  if (source.length < MIN_PRECOMPRESS_BYTES) return null;
  const [br, gz] = await Promise.all([
    brotli(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: source.length, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT } }),
    gzipAsync(source, { level: 9 }),
  ]);
  await Promise.all([writeFile(`${file}.br`, br), writeFile(`${file}.gz`, gz)]);
  return { bytes: source.length, br: br.length, gz: gz.length };
}

export function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'lectern-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    async writeBundle(_options, bundle) {
      const files = Object.keys(bundle).filter((name) => COMPRESSIBLE.test(name));
      await Promise.all(files.map((name) => precompressFile(path.join(outDir, name))));
    },
  };
}
