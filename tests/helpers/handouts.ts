/** Real handout files for tests: a PDF from pdfkit and OOXML packages from fflate. */
import { strToU8, zipSync } from 'fflate';
import PDFDocument from 'pdfkit';

/** A real PDF of `pages` pages (more pages, more bytes: ~1 kB each with the text below). */
export async function tinyPdf(text = 'Lectern handout', pages = 1): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A6', compress: false });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve) => doc.on('end', () => resolve()));
  for (let page = 0; page < pages; page++) {
    if (page > 0) doc.addPage();
    doc.text(`${text} — ${page + 1}`);
  }
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

/** An OOXML package (DOCX, PPTX or XLSX) with the parts a reader looks for first. */
export function ooxml(folder: 'word' | 'ppt' | 'xl'): Buffer {
  return Buffer.from(
    zipSync({
      '[Content_Types].xml': strToU8('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
      '_rels/.rels': strToU8('<?xml version="1.0"?><Relationships/>'),
      [`${folder}/document.xml`]: strToU8('<?xml version="1.0"?><x/>'),
    }),
  );
}
