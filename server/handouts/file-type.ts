/**
 * What kind of document a handout file is, from its own bytes (docs/handouts.md): a name or a
 * browser's content type says nothing about what a file holds.
 *
 * - PDF: starts with `%PDF-`.
 * - Word 97–2003, PowerPoint 97–2003, Excel 97–2003: an OLE2 compound file (`D0 CF 11 E0 A1 B1 1A E1`)
 *   whose directory names the application's main stream (`WordDocument`, `PowerPoint Document`,
 *   `Workbook` or `Book`).
 * - DOCX, PPTX, XLSX: a ZIP (`PK 03 04`) holding `[Content_Types].xml` and the `word/`, `ppt/` or
 *   `xl/` part folders; the entries are read with fflate from the central directory.
 *
 * Anything else (including a ZIP or compound file of another kind) is refused.
 */
import { open } from 'node:fs/promises';
import { unzipSync } from 'fflate';

import type { HandoutType } from './schemas.ts';

// The list lives with the route schemas (pure: the web reads its type).
export { HANDOUT_TYPES, type HandoutType } from './schemas.ts';

/** The content type a download is answered with. */
export const HANDOUT_CONTENT_TYPES: Record<HandoutType, string> = {
  pdf: 'application/pdf',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

const PDF = Buffer.from('%PDF-', 'latin1');
const OLE2 = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** The first bytes of a file are enough to tell which reader to use; null: none of ours. */
export function containerOf(head: Buffer): 'pdf' | 'ole2' | 'zip' | null {
  if (head.subarray(0, PDF.length).equals(PDF)) return 'pdf';
  if (head.subarray(0, OLE2.length).equals(OLE2)) return 'ole2';
  if (head.subarray(0, ZIP.length).equals(ZIP)) return 'zip';
  return null;
}

/** Pure: an OOXML package's kind from its entry names. */
export function ooxmlKind(names: readonly string[]): 'docx' | 'pptx' | 'xlsx' | null {
  if (!names.includes('[Content_Types].xml')) return null;
  if (names.some((n) => n.startsWith('word/'))) return 'docx';
  if (names.some((n) => n.startsWith('ppt/'))) return 'pptx';
  if (names.some((n) => n.startsWith('xl/'))) return 'xlsx';
  return null;
}

/** Pure: a compound file's kind from the names in its directory. */
export function ole2Kind(names: readonly string[]): 'doc' | 'ppt' | 'xls' | null {
  if (names.includes('WordDocument')) return 'doc';
  if (names.includes('PowerPoint Document')) return 'ppt';
  if (names.includes('Workbook') || names.includes('Book')) return 'xls';
  return null;
}

const ENDOFCHAIN = 0xfffffffe;
/** a directory larger than this many sectors is not a document's (and would be a loop) */
const MAX_DIRECTORY_SECTORS = 64;

type Reader = (offset: number, length: number) => Promise<Buffer>;

/**
 * The entry names of an OLE2 compound file's directory (MS-CFB): the header gives the sector size,
 * the first directory sector and the first 109 FAT sectors; the directory's chain is followed
 * through the FAT. Files whose FAT goes beyond those 109 sectors (over ~7 MB of FAT at 512-byte
 * sectors, i.e. documents of several GB) are past any handout cap anyway.
 */
export async function ole2DirectoryNames(read: Reader, fileBytes: number): Promise<string[]> {
  const header = await read(0, 512);
  if (header.length < 512) return [];
  const shift = header.readUInt16LE(0x1e);
  if (shift !== 9 && shift !== 12) return [];
  const sectorSize = 1 << shift;
  const fatSectors = Array.from({ length: 109 }, (_, i) => header.readUInt32LE(0x4c + i * 4));
  const offsetOf = (sector: number) => (sector + 1) * sectorSize;
  const next = async (sector: number): Promise<number> => {
    const perFatSector = sectorSize / 4;
    const fatSector = fatSectors[Math.floor(sector / perFatSector)];
    if (fatSector === undefined || fatSector >= ENDOFCHAIN - 1 || offsetOf(fatSector) >= fileBytes) return ENDOFCHAIN;
    const entry = await read(offsetOf(fatSector) + (sector % perFatSector) * 4, 4);
    return entry.length === 4 ? entry.readUInt32LE(0) : ENDOFCHAIN;
  };
  const names: string[] = [];
  let sector = header.readUInt32LE(0x30);
  for (let seen = 0; seen < MAX_DIRECTORY_SECTORS && sector < ENDOFCHAIN - 1 && offsetOf(sector) < fileBytes; seen++) {
    const block = await read(offsetOf(sector), sectorSize);
    for (let at = 0; at + 128 <= block.length; at += 128) {
      const nameBytes = block.readUInt16LE(at + 0x40);
      if (nameBytes < 2 || nameBytes > 64) continue;
      names.push(block.toString('utf16le', at, at + nameBytes - 2));
    }
    sector = await next(sector);
  }
  return names;
}

/**
 * The type of the file at `filePath` (already size-checked by the caller, so a ZIP may be read
 * whole), or null when it is not a document we take.
 */
export async function detectHandoutType(filePath: string): Promise<HandoutType | null> {
  const handle = await open(filePath, 'r');
  try {
    const { size } = await handle.stat();
    const read: Reader = async (offset, length) => {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
      if (buffer.length === 0) return buffer;
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      return buffer.subarray(0, bytesRead);
    };
    const container = containerOf(await read(0, 8));
    if (container === 'pdf') return 'pdf';
    if (container === 'ole2') return ole2Kind(await ole2DirectoryNames(read, size));
    if (container === 'zip') {
      const names: string[] = [];
      try {
        // filter answers false: fflate lists the central directory and inflates nothing
        unzipSync(new Uint8Array(await handle.readFile()), { filter: (file) => (names.push(file.name), false) });
      } catch {
        return null; // not a readable ZIP
      }
      return ooxmlKind(names);
    }
    return null;
  } finally {
    await handle.close();
  }
}
