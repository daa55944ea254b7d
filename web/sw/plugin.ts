/**
 * Vite build plugin: emits /sw.js from web/src/sw.js with this build's precache list (the entry
 * chunk, the chunks it imports statically, and their CSS: what every page needs) and a version
 * derived from it. Page chunks loaded by dynamic import are cached by the worker when first used.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

const SOURCE = fileURLToPath(new URL('../src/sw.js', import.meta.url));

interface ChunkLike {
  type: 'chunk';
  fileName: string;
  isEntry: boolean;
  imports: string[];
  viteMetadata?: { importedCss: Set<string> };
}

export function serviceWorker(): Plugin {
  return {
    name: 'lectern-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).filter((item): item is typeof item & ChunkLike => item.type === 'chunk');
      const byName = new Map(chunks.map((chunk) => [chunk.fileName, chunk]));
      const precache = new Set<string>();
      const visit = (chunk: ChunkLike | undefined): void => {
        if (!chunk || precache.has(`/${chunk.fileName}`)) return;
        precache.add(`/${chunk.fileName}`);
        for (const css of chunk.viteMetadata?.importedCss ?? []) precache.add(`/${css}`);
        for (const name of chunk.imports) visit(byName.get(name));
      };
      for (const chunk of chunks) if (chunk.isEntry) visit(chunk);
      const list = [...precache].sort();
      const version = createHash('sha256').update(Object.keys(bundle).sort().join('\n')).digest('hex').slice(0, 12);
      const source = readFileSync(SOURCE, 'utf8')
        .replace('__LECTERN_SW_VERSION__', version)
        .replace("JSON.parse('__LECTERN_SW_PRECACHE__')", JSON.stringify(list));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}
