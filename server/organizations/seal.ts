/**
 * The association's seal image (docs/credit.md, "Certificates"): what the upload must be, checked
 * on its bytes, never on a name or a declared type. Pure apart from pdfkit's image parser, which
 * is the reader that has to understand the file later, when a certificate is drawn.
 */
import { createHash } from 'node:crypto';
import PDFDocument from 'pdfkit';
import { badRequest } from '../http/errors.ts';

/** 200 kB: a scanned seal is a few tens of kB; more is a photo that will slow every certificate. */
export const SEAL_MAX_BYTES = 200 * 1024;
/** pixels on each side; a seal is printed about 3.5 cm wide, 1000 px is already 700 dpi */
export const SEAL_MAX_SIDE = 2000;

export type SealContentType = 'image/png' | 'image/jpeg';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** PNG or JPEG by their first bytes; null for anything else. */
export function sniffSeal(bytes: Uint8Array): SealContentType | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 8 && b.subarray(0, 8).equals(PNG_MAGIC)) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  return null;
}

export interface CheckedSeal {
  bytes: Buffer;
  contentType: SealContentType;
  sha256: string;
  width: number;
  height: number;
}

/**
 * The base64 text (a `data:image/…;base64,` prefix allowed, as FileReader gives it) turned into a
 * checked seal, or a 400 naming what is wrong: not base64, empty, too large, not PNG/JPEG, or a
 * PNG/JPEG that cannot be read (truncated, an unsupported variant) or is absurdly large in pixels.
 */
export function checkSeal(base64: string): CheckedSeal {
  const text = base64.replace(/^data:[a-z/+.-]*;base64,/i, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) {
    throw badRequest('seal_not_base64', 'The seal must be sent as base64 text of a PNG or JPEG file.');
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0) throw badRequest('seal_not_image', 'The seal file is empty. Choose a PNG or JPEG image.');
  if (bytes.length > SEAL_MAX_BYTES) {
    throw badRequest('seal_too_large', `The seal image is ${Math.ceil(bytes.length / 1024)} kB; at most ${SEAL_MAX_BYTES / 1024} kB is accepted. Save it smaller (a PNG of about 600 × 600 pixels is plenty).`);
  }
  const contentType = sniffSeal(bytes);
  if (!contentType) throw badRequest('seal_not_image', 'The seal must be a PNG or JPEG image; this file is neither.');
  let width: number;
  let height: number;
  try {
    // the parser the certificate uses; a file it cannot read is refused now, not on every PDF
    const doc = new PDFDocument({ autoFirstPage: false }) as unknown as { openImage(src: Buffer): { width: number; height: number } };
    const image = doc.openImage(bytes);
    width = Number(image.width);
    height = Number(image.height);
  } catch {
    throw badRequest('seal_unreadable', 'The seal image could not be read (damaged or an unusual variant). Save it again as a plain PNG or JPEG.');
  }
  if (!(width > 0 && height > 0) || width > SEAL_MAX_SIDE || height > SEAL_MAX_SIDE) {
    throw badRequest('seal_unreadable', `The seal image must be between 1 and ${SEAL_MAX_SIDE} pixels on each side.`);
  }
  return { bytes, contentType, sha256: createHash('sha256').update(bytes).digest('hex'), width, height };
}
