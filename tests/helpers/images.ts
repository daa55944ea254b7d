/**
 * Small real images for tests: PNGs written here (zlib + CRC-32, no image library), JPEGs made
 * by ffmpeg from a lavfi colour source.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { crc32, deflateSync } from 'node:zlib';

const chunk = (type: string, data: Buffer) => {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
};

/** An RGBA PNG; `pixel(x, y)` gives [r, g, b, a]. `noise` makes it incompressible (for size limits). */
export function makePng(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number] = () => [200, 20, 20, 255]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), y * (width * 4 + 1) + 1 + x * 4);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** A red ring on transparency, as a seal looks. */
export function sealPng(size = 120): Buffer {
  const c = size / 2;
  return makePng(size, size, (x, y) => {
    const r = Math.hypot(x - c, y - c);
    return r > c * 0.8 && r < c * 0.95 ? [210, 20, 30, 255] : [0, 0, 0, 0];
  });
}

/** Random pixels: deflate cannot shrink them, so the file is about width × height × 4 bytes. */
export function noisePng(width: number, height: number): Buffer {
  const noise = randomBytes(width * height * 3);
  return makePng(width, height, (x, y) => {
    const i = (y * width + x) * 3;
    return [noise[i]!, noise[i + 1]!, noise[i + 2]!, 255];
  });
}

/** A JPEG of one colour, written by ffmpeg (FFMPEG_PATH or ffmpeg on PATH). */
export async function makeJpeg(width = 96, height = 96, color = 'red'): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lectern-jpeg-'));
  try {
    const out = path.join(dir, 'seal.jpg');
    await promisify(execFile)(process.env.FFMPEG_PATH ?? 'ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `color=c=${color}:s=${width}x${height}`, '-frames:v', '1', '-y', out]);
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
