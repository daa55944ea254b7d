/**
 * Storage in any S3-compatible store: AWS S3 (virtual-host style), MinIO, s3rver, Aliyun OSS
 * (path style with `forcePathStyle`). Streams go up as multipart uploads (lib-storage), so a
 * large source never sits in memory whole; a failing source aborts the upload, leaving no object
 * and whatever was stored under the key before.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3Config } from '../config.ts';
import { SigV4Presigner, baseOfPresigned } from './presign.ts';
import { assertValidKey, assertValidPrefix, clampRange, contentTypeFor } from './keys.ts';
import { StorageNotFoundError, StorageRangeError, type ByteRange, type PutOptions, type SignedUrlOptions, type Storage, type StoredObject } from './types.ts';

/** 8 MiB parts, 4 in flight: at most 32 MiB buffered per upload. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;
const DELETE_BATCH = 1000; // DeleteObjects' limit
/** SigV4 presigned URLs live at most 7 days. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
/**
 * Presigned URLs are signed as of the start of the current hour, so every ask within that hour
 * gives the same URL and browser/CDN caches keep hitting. The URL lives `expiresIn` + up to an hour.
 */
const PRESIGN_WINDOW_SECONDS = 3600;

function clientConfig(config: S3Config, endpoint: string | undefined): S3ClientConfig {
  return {
    region: config.region,
    endpoint,
    forcePathStyle: config.forcePathStyle,
    credentials: config.accessKeyId && config.secretAccessKey ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } : undefined,
    // Checksums only where S3 requires them: MinIO releases, OSS and s3rver reject or mishandle the
    // newer default (CRC32 trailers on every upload).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function nameOf(error: unknown): string | undefined {
  return (error as { name?: string }).name;
}

export class S3Storage implements Storage {
  readonly driver = 's3' as const;
  readonly client: S3Client;
  /** signs URLs for the host the browser reaches (S3_PUBLIC_ENDPOINT), which may not be ours */
  private readonly presignClient: S3Client;
  private readonly bucket: string;
  private readonly config: S3Config;
  private fast: Promise<SigV4Presigner | null> | undefined;

  constructor(config: S3Config) {
    this.config = config;
    this.bucket = config.bucket;
    this.client = new S3Client(clientConfig(config, config.endpoint));
    this.presignClient = config.publicEndpoint ? new S3Client(clientConfig(config, config.publicEndpoint)) : this.client;
  }

  putFile(key: string, filePath: string, options?: PutOptions): Promise<{ bytes: number }> {
    return this.put(key, createReadStream(filePath), options);
  }

  async put(key: string, body: Readable | Buffer | string, options: PutOptions = {}): Promise<{ bytes: number }> {
    assertValidKey(key);
    const params = {
      Bucket: this.bucket,
      Key: key,
      ContentType: options.contentType ?? contentTypeFor(key),
      CacheControl: options.cacheControl,
    };
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      const bytes = Buffer.from(body);
      await this.client.send(new PutObjectCommand({ ...params, Body: bytes, ContentLength: bytes.length }));
      return { bytes: bytes.length };
    }
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        callback(null, chunk);
      },
    });
    // pipeline carries a source error into `counter`, which Upload reads, so the upload aborts.
    const piping = pipeline(body, counter);
    const upload = new Upload({ client: this.client, params: { ...params, Body: counter }, partSize: PART_SIZE, queueSize: QUEUE_SIZE, leavePartsOnError: false });
    try {
      await Promise.all([upload.done(), piping]);
    } catch (error) {
      counter.destroy();
      await upload.abort().catch(() => {});
      throw error;
    }
    return { bytes };
  }

  async get(key: string, range?: ByteRange): Promise<StoredObject> {
    assertValidKey(key);
    let rangeHeader: string | undefined;
    if (range) {
      if (!Number.isInteger(range.start) || range.start < 0 || (range.end !== undefined && range.end < range.start)) {
        throw new StorageRangeError(key, -1);
      }
      rangeHeader = `bytes=${range.start}-${range.end ?? ''}`;
    }
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: rangeHeader }));
      const body = answer.Body as Readable;
      const bytes = answer.ContentLength ?? 0;
      const total = answer.ContentRange ? Number(answer.ContentRange.split('/')[1]) : bytes;
      return { body, bytes, totalBytes: Number.isFinite(total) ? total : bytes, contentType: answer.ContentType };
    } catch (error) {
      if (nameOf(error) === 'NoSuchKey' || statusOf(error) === 404) throw new StorageNotFoundError(key);
      if (statusOf(error) === 416 || nameOf(error) === 'InvalidRange') {
        const head = await this.head(key);
        if (!head) throw new StorageNotFoundError(key);
        // Make the error carry the size, as the local driver's does.
        clampRange(key, range ?? { start: 0 }, head.bytes);
        throw new StorageRangeError(key, head.bytes);
      }
      throw error;
    }
  }

  async head(key: string): Promise<{ bytes: number; contentType?: string } | null> {
    assertValidKey(key);
    try {
      const answer = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { bytes: answer.ContentLength ?? 0, contentType: answer.ContentType };
    } catch (error) {
      if (statusOf(error) === 404 || nameOf(error) === 'NotFound') return null;
      throw error;
    }
  }

  async signedUrl(key: string, expiresInSeconds: number, options: SignedUrlOptions = {}): Promise<string> {
    assertValidKey(key);
    let signedAt: number;
    let expiresIn: number;
    if (options.signedAt !== undefined) {
      signedAt = options.signedAt;
      expiresIn = Math.min(Math.max(1, Math.ceil(expiresInSeconds)), MAX_PRESIGN_SECONDS);
    } else {
      const nowSeconds = Math.floor(Date.now() / 1000);
      signedAt = nowSeconds - (nowSeconds % PRESIGN_WINDOW_SECONDS);
      expiresIn = Math.min(Math.max(1, Math.ceil(expiresInSeconds)) + PRESIGN_WINDOW_SECONDS, MAX_PRESIGN_SECONDS);
    }
    const fast = await (this.fast ??= this.fastPresigner());
    if (fast) {
      const { cacheControl, contentType, contentDisposition } = options;
      return fast.url({ key, signedAt, expiresIn, cacheControl, contentType, contentDisposition });
    }
    return this.sdkSignedUrl(key, signedAt, expiresIn, options);
  }

  /** The SDK's presigner: always right, ~0.7 ms of CPU a URL (server/storage/presign.ts). */
  sdkSignedUrl(key: string, signedAt: number, expiresIn: number, options: SignedUrlOptions = {}): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseCacheControl: options.cacheControl,
      ResponseContentType: options.contentType,
      ResponseContentDisposition: options.contentDisposition,
    });
    return getSignedUrl(this.presignClient, command, { expiresIn, signingDate: new Date(signedAt * 1000) });
  }

  /**
   * With static credentials, a presigner that signs in microseconds, its base URL taken from one
   * SDK-presigned probe (so endpoint rules stay the SDK's). Null otherwise: the SDK signs.
   */
  private async fastPresigner(): Promise<SigV4Presigner | null> {
    const { accessKeyId, secretAccessKey } = this.config;
    if (!accessKeyId || !secretAccessKey) return null;
    const probeKey = 'lectern-presign-probe';
    const probe = await this.sdkSignedUrl(probeKey, Math.floor(Date.now() / 1000), 60);
    const base = baseOfPresigned(probe, probeKey);
    const credential = new URL(probe).searchParams.get('X-Amz-Credential')?.split('/');
    if (!base || !credential || credential.length !== 5 || credential[0] !== accessKeyId) return null;
    return new SigV4Presigner({ base, region: credential[2]!, accessKeyId, secretAccessKey });
  }

  async list(prefix: string): Promise<{ key: string; bytes: number }[]> {
    assertValidPrefix(prefix, { allowEmpty: true });
    const found: { key: string; bytes: number }[] = [];
    for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: prefix || undefined })) {
      for (const object of page.Contents ?? []) {
        if (object.Key && !object.Key.startsWith('.')) found.push({ key: object.Key, bytes: object.Size ?? 0 });
      }
    }
    return found;
  }

  async deletePrefix(prefix: string): Promise<number> {
    assertValidPrefix(prefix);
    const keys = (await this.list(prefix)).map((o) => o.key);
    let deleted = 0;
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const answer = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          // MinIO, OSS and Ceph insist on Content-MD5 here; the SDK's default would send CRC32.
          ChecksumAlgorithm: 'MD5' as never,
        }),
      );
      const failed = answer.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        throw new Error(`could not delete ${failed.length} object(s) under ${prefix}, e.g. ${first?.Key}: ${first?.Code} ${first?.Message ?? ''}`.trim());
      }
      deleted += batch.length;
    }
    return deleted;
  }

  async checkWritable(): Promise<void> {
    // A dot-key: never a valid object key, so never listed or clobbered. No '/' in it: stores that
    // keep objects as files (s3rver) drop an emptied folder on delete, and two replicas probing at
    // once then raced in one '.lectern-probe/' folder (s3rver crashed on it in the replica tests).
    const key = `.lectern-probe-${createHash('sha1').update(`${process.pid}-${Date.now()}-${Math.random()}`).digest('hex')}`;
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: 'ok' }));
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}
