/**
 * An s3rver that a test can take down and bring back, like a storage outage: `stop()` ends the
 * server process (connections are refused from then on), `start()` runs it again on the same
 * port over the same folder, so every object stored before the outage is there afterwards.
 * Same process script and credentials as tests/helpers/s3.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestS3 } from './s3.ts';

const SCRIPT = fileURLToPath(new URL('./s3rver-process.mjs', import.meta.url));

export interface RestartableS3 extends TestS3 {
  /** ends the server; resolves once its port no longer answers */
  stop(): Promise<void>;
  /** runs it again on the same port and folder */
  start(): Promise<void>;
  readonly running: boolean;
}

export async function startRestartableS3(bucket = 'lectern-outage'): Promise<RestartableS3> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'lectern-s3rver-outage-'));
  let child: ChildProcess | undefined;
  let port = 0;

  async function run(): Promise<number> {
    const next = spawn(process.execPath, ['--openssl-legacy-provider', SCRIPT, JSON.stringify({ directory, bucket, port })], { stdio: ['pipe', 'pipe', 'inherit'] });
    const answered = await new Promise<number>((resolve, reject) => {
      const lines = createInterface({ input: next.stdout! });
      lines.once('line', (line) => {
        try {
          resolve((JSON.parse(line) as { port: number }).port);
        } catch {
          reject(new Error(`s3rver did not start: ${line}`));
        }
      });
      next.once('error', reject);
      next.once('exit', (code) => reject(new Error(`s3rver exited with code ${code} before listening (port ${port})`)));
    });
    child = next;
    return answered;
  }

  async function stop(): Promise<void> {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGKILL'); // an outage does not say goodbye
    await exited;
  }

  port = await run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    config: { endpoint, region: 'us-east-1', bucket, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true },
    get running() {
      return child !== undefined;
    },
    stop,
    async start() {
      if (child) return;
      // the port was just freed; another process may grab it in between (then this throws)
      for (let tries = 0; ; tries++) {
        try {
          await run();
          return;
        } catch (err) {
          if (tries >= 20) throw err;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    },
    async close() {
      await stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
