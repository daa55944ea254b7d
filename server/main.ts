/**
 * Entry point. With no configuration: PGlite under ./data, local storage, the transcoder
 * in-process and the demo seeded — the whole platform in one process. With DATABASE_URL and
 * S3_* set: an API replica (run `npm run transcoder` for workers).
 */
import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig } from './config.ts';
import { startPlatform } from './platform.ts';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    // before the logger exists: a JSON line like every other one, with its time (docs/operations.md, "Logs")
    console.error(JSON.stringify({ level: 'fatal', time: new Date().toISOString(), msg: `lectern: configuration error: ${err.message}` }));
    process.exit(78);
  }
  throw err;
}

const platform = await startPlatform(config, { printBanner: true });

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) platform.app.log.error({ err }, 'shutting down after an error');
  else platform.app.log.info(`${signal}: shutting down`);
  await platform.close();
});
