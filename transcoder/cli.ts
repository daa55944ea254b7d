/**
 * `npm run transcode -- <input> <output-dir>`: the worker's ladder on a local file.
 * Success: the package in <output-dir>, ONE JSON summary line on stdout, exit 0.
 * Unusable file: one line with the reason on stderr, exit 2. Other failures: one line, exit 1.
 */
import { isMediaRejectedError } from './errors.ts';
import { transcodeToDirectory } from './pipeline.ts';

const USAGE = 'usage: npm run transcode -- <input-file> <output-dir>';

async function main(argv: string[]): Promise<number> {
  const [input, output, ...rest] = argv;
  if (!input || !output || rest.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 64;
  }
  const threads = process.env.FFMPEG_THREADS ? Number(process.env.FFMPEG_THREADS) : undefined;
  try {
    const summary = await transcodeToDirectory(input, output, { threads: Number.isInteger(threads) ? threads : undefined });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  } catch (err) {
    if (isMediaRejectedError(err)) {
      process.stderr.write(`${err.code}: ${err.reason.en} / ${err.reason['zh-CN']}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`transcode failed: ${message.split('\n')[0]}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
