/**
 * Storage in a local folder: the embedded default. An object is a file at `<root>/<key>`.
 *
 * Puts are atomic: bytes go to a temp file in the same folder, are fsynced, then renamed over the
 * key, so a crash or a failing source stream never leaves a half-written object and a replaced
 * object stays whole until the new one is complete. Temp names start with '.', which keys may
 * not, so they never show up in `list`.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, readdir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertValidKey, assertValidPrefix, clampRange, contentTypeFor } from './keys.ts';
import { expiryFor, nowSeconds, signPrefix } from './signing.ts';
import { StorageNotFoundError, type ByteRange, type PutOptions, type Storage, type StoredObject } from './types.ts';

/** Local single-object links expire on the hour, so repeated asks give the same URL. */
const SIGNED_URL_WINDOW_SECONDS = 3600;

export interface LocalStorageOptions {
  root: string;
  /** signs `signedUrl` links that the media route checks */
  secret: string;
  /** origin the links are made absolute with, e.g. http://127.0.0.1:3000 */
  publicUrl: string;
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

function toStream(body: Readable | Buffer | string): Readable {
  if (typeof body === 'string') return Readable.from([Buffer.from(body)]);
  if (Buffer.isBuffer(body)) return Readable.from([body]);
  return body;
}

export class LocalStorage implements Storage {
  readonly driver = 'local' as const;
  readonly root: string;

  constructor(private readonly options: LocalStorageOptions) {
    this.root = path.resolve(options.root);
  }

  /** The file of a key; keys are validated first, and the result is checked to stay in the root. */
  private fileOf(key: string): string {
    assertValidKey(key);
    const file = path.resolve(this.root, ...key.split('/'));
    if (!file.startsWith(this.root + path.sep)) throw new Error(`key ${key} resolves outside the storage root`);
    return file;
  }

  async put(key: string, body: Readable | Buffer | string, _options?: PutOptions): Promise<{ bytes: number }> {
    const file = this.fileOf(key);
    const dir = path.dirname(file);
    await mkdir(dir, { recursive: true });
    const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      // flush: fsync before close, so the rename never publishes bytes still only in the page cache
      await pipeline(toStream(body), counter, createWriteStream(temp, { flags: 'wx', flush: true }));
      await rename(temp, file);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw error;
    }
    return { bytes };
  }

  async putFile(key: string, filePath: string, options?: PutOptions): Promise<{ bytes: number }> {
    const file = this.fileOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      // the same durability as put: the bytes are on disk before the key appears
      const handle = await open(filePath, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await link(filePath, temp);
      await rename(temp, file);
      return { bytes: (await stat(file)).size };
    } catch (error) {
      await unlink(temp).catch(() => {});
      const code = (error as NodeJS.ErrnoException).code;
      // another file system, or one without hard links: copy instead
      if (code === 'EXDEV' || code === 'EPERM' || code === 'ENOTSUP' || code === 'EMLINK') return this.put(key, createReadStream(filePath), options);
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<StoredObject> {
    const file = this.fileOf(key);
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if (isMissing(error)) throw new StorageNotFoundError(key);
      throw error;
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new StorageNotFoundError(key);
      const totalBytes = info.size;
      const contentType = contentTypeFor(key);
      if (!range) {
        return { body: handle.createReadStream(), bytes: totalBytes, totalBytes, contentType };
      }
      const { start, end } = clampRange(key, range, totalBytes);
      return { body: handle.createReadStream({ start, end }), bytes: end - start + 1, totalBytes, contentType };
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
  }

  async head(key: string): Promise<{ bytes: number; contentType?: string } | null> {
    const file = this.fileOf(key);
    try {
      const info = await stat(file);
      if (!info.isFile()) return null;
      return { bytes: info.size, contentType: contentTypeFor(key) };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async signedUrl(key: string, expiresInSeconds: number): Promise<string> {
    assertValidKey(key);
    const exp = expiryFor(nowSeconds(), expiresInSeconds, SIGNED_URL_WINDOW_SECONDS);
    return `${this.options.publicUrl}${signPrefix(this.options.secret, key, exp)}`;
  }

  async list(prefix: string): Promise<{ key: string; bytes: number }[]> {
    assertValidPrefix(prefix, { allowEmpty: true });
    // Walk only the deepest folder the prefix names in full; filter the rest by string prefix (S3 semantics).
    const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const found: { key: string; bytes: number }[] = [];
    const walk = async (dirKey: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(path.join(this.root, ...dirKey.split('/').filter(Boolean)), { withFileTypes: true });
      } catch (error) {
        if (isMissing(error)) return;
        throw error;
      }
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue; // temp files and probes
        const key = `${dirKey}${entry.name}`;
        if (entry.isDirectory()) {
          if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(`${key}/`);
        } else if (entry.isFile() && key.startsWith(prefix)) {
          const info = await stat(path.join(this.root, ...key.split('/'))).catch(() => null);
          if (info) found.push({ key, bytes: info.size });
        }
      }
    };
    await walk(folder);
    // S3 lists in binary key order; do the same so callers see one order on both drivers.
    return found.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  }

  async deletePrefix(prefix: string): Promise<number> {
    assertValidPrefix(prefix);
    const objects = await this.list(prefix);
    let deleted = 0;
    for (const { key } of objects) {
      try {
        await unlink(this.fileOf(key));
        deleted++;
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    }
    await this.pruneEmptyFolders(objects.map((o) => o.key));
    return deleted;
  }

  /** Removes folders left empty by a delete, deepest first, stopping at the root. */
  private async pruneEmptyFolders(keys: string[]): Promise<void> {
    const folders = new Set<string>();
    for (const key of keys) {
      const segments = key.split('/');
      for (let i = 1; i < segments.length; i++) folders.add(segments.slice(0, i).join('/'));
    }
    const deepestFirst = [...folders].sort((a, b) => b.split('/').length - a.split('/').length);
    for (const folder of deepestFirst) {
      await rmdir(path.join(this.root, ...folder.split('/'))).catch(() => {}); // not empty or gone: fine
    }
  }

  localPath(key: string): string {
    return this.fileOf(key);
  }

  async checkWritable(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const probe = path.join(this.root, `.probe-${randomBytes(6).toString('hex')}`);
    const handle = await open(probe, 'wx');
    try {
      await handle.writeFile('ok');
      await handle.sync();
    } finally {
      await handle.close();
      await rm(probe, { force: true });
    }
  }
}
