/**
 * `npm run bench:upload`: a trainer's large recording through the real tus route on loopback.
 * Measures the upload throughput and how long the last request waits while the finished file
 * goes into storage (the step that used to copy the whole file). Default 2 GiB; UPLOAD_MB=… to
 * change. The bytes are random, so the worker then fails the lecture as "not a recording" —
 * transcoding speed is bench:transcode's job. Figures go to docs/benchmarks.md ("## Uploads").
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { Upload } from 'tus-js-client';
import { startTestServer } from '../tests/helpers/server.ts';
import { createTestClient } from '../tests/helpers/http.ts';

const megabytes = Number(process.env.UPLOAD_MB ?? 2048);
const chunkSize = 8 * 1024 * 1024;
const dir = await mkdtemp(path.join(os.tmpdir(), 'lectern-bench-upload-'));
const file = path.join(dir, 'recording.bin');
spawnSync('sh', ['-c', `head -c ${megabytes}M /dev/urandom > '${file}'`]);

const server = await startTestServer({ backend: 'pglite', env: { MAX_UPLOAD_BYTES: String(8 * 1024 ** 3) } });
try {
  const trainer = createTestClient(server.baseUrl);
  await trainer.login('trainer', 'lectern-demo');
  const res = await trainer.raw('POST', `/api/courses/${server.demo!.draftCourseId}/lectures`, { title: '大文件上传' });
  const lectureId = (res.json as { id: string }).id;
  const started = performance.now();
  let lastChunkSentAt = 0;
  let chunks = 0;
  await new Promise<void>((resolve, reject) => {
    const upload = new Upload(createReadStream(file), {
      endpoint: `${server.baseUrl}/api/uploads`,
      uploadSize: megabytes * 1024 * 1024,
      chunkSize,
      retryDelays: [],
      headers: { cookie: trainer.jar.header() ?? '' },
      metadata: { lectureId, filename: 'recording.mp4', filetype: 'video/mp4' },
      onBeforeRequest(req) {
        if (req.getMethod() === 'PATCH') lastChunkSentAt = performance.now();
      },
      onChunkComplete: () => void chunks++,
      onSuccess: () => resolve(),
      onError: reject,
    });
    upload.start();
  });
  const finished = performance.now();
  const seconds = (finished - started) / 1000;
  const lastRequestMs = finished - lastChunkSentAt;
  const lines = [
    '## Uploads',
    '',
    `\`npm run bench:upload\` (bench/upload.ts), ${new Date().toISOString().slice(0, 10)}: ${megabytes} MiB of random bytes through tus (tus-js-client in Node, ${chunkSize / 1024 / 1024} MiB chunks) to the real API on loopback, embedded mode (PGlite, local storage), ${os.cpus().length} cores.`,
    '',
    '| upload | chunks | wall time | throughput | last request (chunk + store + queue) |',
    '|---|---:|---:|---:|---:|',
    `| ${megabytes} MiB | ${chunks} | ${seconds.toFixed(1)} s | ${((megabytes * 8) / seconds).toFixed(0)} Mbit/s | ${lastRequestMs.toFixed(0)} ms |`,
    '',
    'The last request carries the final chunk and then stores the file (`storage.putFile`: a hard link on local storage, no copy) and queues the transcode in one transaction. On a county uplink the chunks, not the server, set the pace: 2 GiB at 512 kbit/s is about 9.5 hours, resumable chunk by chunk.',
    '',
  ];
  console.log(lines.join('\n'));
  const docs = path.resolve(import.meta.dirname, '../docs/benchmarks.md');
  const current = await readFile(docs, 'utf8').catch(() => '# Benchmarks\n');
  const section = lines.join('\n');
  const re = /## Uploads\n[\s\S]*?(?=\n## |$)/;
  await writeFile(docs, re.test(current) ? current.replace(re, section.trimEnd() + '\n') : `${current.trimEnd()}\n\n${section}`);
} finally {
  await server.close();
  await rm(dir, { recursive: true, force: true });
}
