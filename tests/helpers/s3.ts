/**
 * A real S3-compatible server for tests: s3rver on 127.0.0.1, a random port, a fresh temp folder
 * and one bucket. Use path-style addressing and the credentials s3rver accepts (S3RVER/S3RVER).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { S3Config } from '../../server/config.ts';

export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** ready to hand to S3Storage or put into Config.s3 */
  config: S3Config;
  close(): Promise<void>;
}

// Lets the browser (or fetch with an Origin) read presigned URLs and ranges, as a real bucket's CORS would.
const CORS = `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>Content-Range</ExposeHeader><ExposeHeader>Content-Length</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>`;

export async function startTestS3(bucket = 'lectern-test'): Promise<TestS3> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'lectern-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: [{ name: bucket, configs: [CORS] }],
  });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    bucket,
    config: { endpoint, region: 'us-east-1', bucket, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
