/**
 * A real S3-compatible server for tests: s3rver on 127.0.0.1, a random port, a fresh temp folder
 * and one bucket, in a child process (see s3rver-process.mjs for why). Use path-style addressing
 * and the credentials s3rver accepts (S3RVER/S3RVER); `config` has both.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { S3Config } from '../../server/config.ts';

export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** ready to hand to S3Storage or to put into Config.s3 */
  config: S3Config;
  close(): Promise<void>;
}

// Lets a browser (or fetch with an Origin) read presigned URLs and ranges, as a real bucket's CORS would.
const CORS =
  '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>' +
  '<AllowedHeader>*</AllowedHeader><ExposeHeader>Content-Range</ExposeHeader><ExposeHeader>Content-Length</ExposeHeader>' +
  '<MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>';

const SCRIPT = fileURLToPath(new URL('./s3rver-process.mjs', import.meta.url));

export async function startTestS3(bucket = 'lectern-test'): Promise<TestS3> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'lectern-s3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', SCRIPT, JSON.stringify({ directory, bucket, cors: CORS })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      try {
        resolve((JSON.parse(line) as { port: number }).port);
      } catch {
        reject(new Error(`s3rver did not start: ${line}`));
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`s3rver exited with code ${code} before listening`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    config: { endpoint, region: 'us-east-1', bucket, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true },
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.stdin?.end();
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}
