/**
 * Handout files (server/handouts/file-type.ts, docs/handouts.md): the type comes from the bytes,
 * never the name; the stored name and default title (server/handouts/service.ts handoutNames);
 * the size as the pages show it (web/src/lib/format.ts formatBytes).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerOf, detectHandoutType, ole2Kind, ooxmlKind } from '../../server/handouts/file-type.ts';
import { handoutNames } from '../../server/handouts/service.ts';
import { formatBytes } from '../../web/src/lib/format.ts';
import { ooxml, tinyPdf } from '../helpers/handouts.ts';

/**
 * A minimal OLE2 compound file (MS-CFB, 512-byte sectors): header, one FAT sector (sector 0),
 * the directory in sector 1 (continued in sector 2 when `spill`, to walk the FAT chain).
 */
function compoundFile(stream: string, spill = false): Buffer {
  const sector = 512;
  const sectors = spill ? 3 : 2;
  const file = Buffer.alloc(sector * (sectors + 1), 0);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(file, 0);
  file.writeUInt16LE(0x3e, 0x18);
  file.writeUInt16LE(3, 0x1a);
  file.writeUInt16LE(0xfffe, 0x1c);
  file.writeUInt16LE(9, 0x1e);
  file.writeUInt16LE(6, 0x20);
  file.writeUInt32LE(1, 0x2c); // one FAT sector
  file.writeUInt32LE(1, 0x30); // the directory starts in sector 1
  file.writeUInt32LE(0xfffffffe, 0x3c);
  for (let i = 0; i < 109; i++) file.writeUInt32LE(i === 0 ? 0 : 0xffffffff, 0x4c + i * 4);
  const fat = sector; // sector 0
  for (let i = 0; i < 128; i++) file.writeUInt32LE(0xffffffff, fat + i * 4);
  file.writeUInt32LE(0xfffffffd, fat); // sector 0: the FAT itself
  file.writeUInt32LE(spill ? 2 : 0xfffffffe, fat + 4); // sector 1 → 2 or the end
  if (spill) file.writeUInt32LE(0xfffffffe, fat + 8);
  const entry = (at: number, name: string) => {
    file.write(name, at, 'utf16le');
    file.writeUInt16LE((name.length + 1) * 2, at + 0x40);
  };
  entry(sector * 2, 'Root Entry');
  if (spill) {
    entry(sector * 2 + 128, 'SummaryInformation');
    entry(sector * 2 + 256, 'DocumentSummaryInformation');
    entry(sector * 2 + 384, 'CompObj');
    entry(sector * 3, stream); // the first entry of the second directory sector
  } else {
    entry(sector * 2 + 128, stream);
  }
  return file;
}

describe('handout file types', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lectern-handout-types-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));
  const typeOf = async (bytes: Buffer) => {
    const file = path.join(dir, `f-${Math.random().toString(36).slice(2)}`);
    await writeFile(file, bytes);
    return detectHandoutType(file);
  };

  it('reads PDF, DOCX, PPTX and XLSX from their bytes', async () => {
    expect(await typeOf(await tinyPdf())).toBe('pdf');
    expect(await typeOf(ooxml('word'))).toBe('docx');
    expect(await typeOf(ooxml('ppt'))).toBe('pptx');
    expect(await typeOf(ooxml('xl'))).toBe('xlsx');
  });

  it('reads DOC, PPT and XLS from the compound file’s directory, following its FAT chain', async () => {
    expect(await typeOf(compoundFile('WordDocument'))).toBe('doc');
    expect(await typeOf(compoundFile('PowerPoint Document'))).toBe('ppt');
    expect(await typeOf(compoundFile('Workbook'))).toBe('xls');
    expect(await typeOf(compoundFile('WordDocument', true))).toBe('doc');
  });

  it('refuses anything else, whatever it is called', async () => {
    expect(await typeOf(Buffer.from('<html><body>not a pdf</body></html>'))).toBeNull();
    expect(await typeOf(Buffer.from('MZ\x90\x00executable'))).toBeNull();
    expect(await typeOf(Buffer.from(zipSync({ 'a.txt': strToU8('hello') })))).toBeNull(); // a ZIP, not an Office file
    expect(await typeOf(Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]))).toBeNull(); // a broken ZIP
    expect(await typeOf(compoundFile('Contents'))).toBeNull(); // a compound file of another application
    expect(await typeOf(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))).toBeNull(); // a header alone
  });

  it('pure parts', () => {
    expect(containerOf(Buffer.from('%PDF-1.7'))).toBe('pdf');
    expect(containerOf(Buffer.from('%PDF'))).toBeNull();
    expect(ooxmlKind(['word/document.xml'])).toBeNull(); // no [Content_Types].xml
    expect(ooxmlKind(['[Content_Types].xml', 'ppt/presentation.xml'])).toBe('pptx');
    expect(ole2Kind(['Root Entry', 'Book'])).toBe('xls');
  });
});

describe('handout names', () => {
  it('takes the last path segment, leaves the extension out of the title and gives the file the real one', () => {
    expect(handoutNames('第一讲 讲义.pdf', 'pdf')).toEqual({ title: '第一讲 讲义', fileName: '第一讲 讲义.pdf' });
    expect(handoutNames('C:\\Users\\张\\证据规则.PPTX', 'pptx')).toEqual({ title: '证据规则', fileName: '证据规则.pptx' });
    expect(handoutNames('../../etc/passwd', 'pdf')).toEqual({ title: 'passwd', fileName: 'passwd.pdf' });
    // named .doc but a PDF inside: the name keeps its words, the extension follows the bytes
    expect(handoutNames('slides.doc', 'pdf')).toEqual({ title: 'slides', fileName: 'slides.pdf' });
    expect(handoutNames('report.final', 'docx')).toEqual({ title: 'report.final', fileName: 'report.final.docx' });
    expect(handoutNames('.pdf', 'pdf')).toEqual({ title: '.pdf', fileName: '.pdf.pdf' });
    expect(handoutNames('/', 'pdf')).toEqual({ title: 'PDF', fileName: 'handout.pdf' });
  });
});

describe('formatBytes', () => {
  it('shows sizes as file managers do', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(980)).toBe('980 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(24 * 1024)).toBe('24 KB');
    expect(formatBytes(2.4 * 1024 * 1024)).toBe('2.4 MB');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50 MB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3 GB');
  });
});
