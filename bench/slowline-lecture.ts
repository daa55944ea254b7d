/**
 * A real ready lecture for the slow-line benchmark (and manual player checks): ffmpeg draws a
 * lecture-like clip, the real transcoder packages it, the package goes into the server's storage
 * through the transcoding service, and the demo lecture points at it — the same state a worker
 * leaves behind. The package is cached on disk by length, so reruns skip the transcode.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { lectures } from '../server/db/schema/index.ts';
import { transcodingServiceOver } from '../server/transcoding/service.ts';
import { transcodeToDirectory, type PackageSummary } from '../transcoder/pipeline.ts';
import { MediaWorkspace } from '../tests/helpers/media.ts';
import type { TestServer } from '../tests/helpers/server.ts';

export interface ReadyLecture {
  lectureId: string;
  courseId: string;
  durationSeconds: number;
  summary: PackageSummary;
  packageDir: string;
}

export async function packageFor(seconds: number, log: (line: string) => void = () => undefined): Promise<{ dir: string; summary: PackageSummary }> {
  // v2: audio starts with 2 s segments like the video (a v1 package has 6 s audio from the start)
  const dir = path.join(os.tmpdir(), `lectern-slowline-package-${seconds}s-v2`);
  const summaryFile = path.join(dir, 'summary.json');
  if (existsSync(summaryFile)) return { dir, summary: JSON.parse(await readFile(summaryFile, 'utf8')) as PackageSummary };
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const media = await MediaWorkspace.create();
  try {
    log(`generating a ${seconds} s lecture-like source (1280×720, slides every 20 s)…`);
    const source = await media.video({ seconds, width: 1280, height: 720, fps: 25, slideSeconds: 20, noise: 4 });
    log('transcoding with the real ladder…');
    const summary = await transcodeToDirectory(source, path.join(dir, 'pkg'));
    await writeFile(summaryFile, JSON.stringify(summary));
    return { dir, summary };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  } finally {
    await media.dispose();
  }
}

/** Publishes a (cached) package of `seconds` into the demo lecture of a running test server. */
export async function readyDemoLecture(server: TestServer, seconds: number, log?: (line: string) => void): Promise<ReadyLecture> {
  const demo = server.demo;
  if (!demo) throw new Error('the server was started without the demo seed');
  const { dir, summary } = await packageFor(seconds, log);
  const transcoding = transcodingServiceOver(server.deps.db, server.deps.storage);
  const prefix = await transcoding.uploadPackage(demo.lectureId, path.join(dir, 'pkg'), summary);
  await server.deps.db
    .update(lectures)
    .set({ status: 'ready', durationSeconds: summary.durationSeconds, packagePrefix: prefix, updatedAt: new Date() })
    .where(eq(lectures.id, demo.lectureId));
  return { lectureId: demo.lectureId, courseId: demo.courseId, durationSeconds: summary.durationSeconds, summary, packageDir: path.join(dir, 'pkg') };
}
