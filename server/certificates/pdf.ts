/**
 * The certificate as PDF (pdfkit) with a QR code (qrcode) to the public verification page.
 * Chinese needs a CJK font: the first system Noto CJK found is embedded (subset, so the file stays
 * small); without one the certificate is rendered in English only and a warning is logged once.
 */
import { existsSync, readFileSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';

export interface CertificatePdfInput {
  serial: string;
  code: string;
  holderName: string;
  licenseNo: string | null;
  courseTitle: string;
  creditMinutes: number;
  classHours: number;
  minutesPerClassHour: number;
  issuedAt: Date;
  verifyUrl: string;
  /** what was completed: a course (default) or a training class (培训班, server/classes); `courseTitle` then holds the class's name */
  kind?: 'course' | 'class';
  /** the issuing association (the course's), its signer and seal image (PNG or JPEG, checked on upload) */
  issuer?: { name: string; signerName: string | null; signerTitle: string | null; seal: Buffer | null } | null;
}

/** [file, PostScript name inside a .ttc collection] */
const CJK_FONT_CANDIDATES: [string, string | undefined][] = [
  ['/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc', 'NotoSerifCJKsc-Regular'],
  ['/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', 'NotoSansCJKsc-Regular'],
  ['/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc', 'NotoSansCJKsc-Regular'],
  ['/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', 'WenQuanYiMicroHei'],
  ['/usr/share/fonts/truetype/arphic/uming.ttc', 'AR PL UMing CN'],
];

let cachedFont: { data: Buffer; family: string | undefined } | null | undefined;

/** The CJK font bytes, read once per process; null when the system has none. */
export function cjkFont(warn: (message: string) => void = console.warn): { data: Buffer; family: string | undefined } | null {
  if (cachedFont !== undefined) return cachedFont;
  const found = CJK_FONT_CANDIDATES.find(([file]) => existsSync(file));
  if (!found) {
    warn('certificates: no CJK font found (install fonts-noto-cjk); certificate PDFs are rendered in English only');
    cachedFont = null;
  } else {
    cachedFont = { data: readFileSync(found[0]), family: found[1] };
  }
  return cachedFont;
}

/** Shanghai date as 2026年5月1日 / 2026-05-01. */
function shanghaiDate(date: Date): { zh: string; en: string } {
  const local = new Date(date.getTime() + 8 * 3600 * 1000);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth() + 1;
  const d = local.getUTCDate();
  return { zh: `${y}年${m}月${d}日`, en: `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}` };
}

/** Latin-only fallback: characters the standard PDF fonts cannot draw become '?'. */
const latin = (text: string) => text.replace(/[^\x20-\x7e\u00a0-\u00ff]/g, '?');

export async function renderCertificatePdf(input: CertificatePdfInput, warn?: (message: string) => void): Promise<Buffer> {
  const font = cjkFont(warn);
  const qr = await QRCode.toBuffer(input.verifyUrl, { type: 'png', margin: 1, width: 240, errorCorrectionLevel: 'M' });
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: 50,
    info: { Title: `Certificate ${input.serial}`, Author: input.issuer?.name ?? 'Lectern', Subject: input.courseTitle },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const width = doc.page.width;
  const height = doc.page.height;
  doc.lineWidth(3).strokeColor('#8a6d3b').rect(25, 25, width - 50, height - 50).stroke();
  doc.lineWidth(1).rect(33, 33, width - 66, height - 66).stroke();

  const date = shanghaiDate(input.issuedAt);
  const hours = `${input.classHours}`;
  const text = (value: string, size: number, options: PDFKit.Mixins.TextOptions = {}) => doc.fontSize(size).text(value, { align: 'center', ...options });
  const issuer = input.issuer ?? null;
  const signer = issuer?.signerName ? `${issuer.signerName}${issuer.signerTitle ? `（${issuer.signerTitle}）` : ''}` : null;

  if (font) {
    doc.registerFont('cjk', font.data, font.family);
    doc.font('cjk').fillColor('#222');
    if (issuer) {
      doc.moveDown(0.5);
      text(issuer.name, 16, { characterSpacing: 2 });
    } else {
      doc.moveDown(1.5);
    }
    text('结业证书', 34);
    text('Certificate of Completion', 14, { characterSpacing: 1 });
    doc.moveDown(1.2);
    text(`${input.holderName}${input.licenseNo ? `（执业证号 ${input.licenseNo}）` : ''}`, 22);
    doc.moveDown(0.5);
    text(input.kind === 'class' ? '已完成培训班' : '已完成课程', 14);
    text(`《${input.courseTitle}》`, 20);
    doc.moveDown(0.5);
    text(`计 ${input.creditMinutes} 分钟，折合 ${hours} 学时（每学时 ${input.minutesPerClassHour} 分钟）`, 14);
    text(`${input.creditMinutes} minutes of credited training, ${hours} class hours`, 11);
    doc.moveDown(1);
    text(`颁发日期 Issued: ${date.zh} (${date.en})`, 12);
    text(`证书编号 Serial: ${input.serial}    验证码 Code: ${input.code}`, 12);
  } else {
    doc.font('Helvetica').fillColor('#222');
    if (issuer) {
      doc.moveDown(0.5);
      text(latin(issuer.name), 16);
    } else {
      doc.moveDown(1.5);
    }
    text('Certificate of Completion', 32);
    doc.moveDown(1.2);
    text(`${latin(input.holderName)}${input.licenseNo ? ` (licence ${input.licenseNo})` : ''}`, 22);
    doc.moveDown(0.5);
    text(input.kind === 'class' ? 'has completed the training class' : 'has completed the course', 14);
    text(latin(input.courseTitle), 20);
    doc.moveDown(0.5);
    text(`${input.creditMinutes} minutes of credited training, ${hours} class hours (${input.minutesPerClassHour} minutes each)`, 14);
    doc.moveDown(1);
    text(`Issued: ${date.en}`, 12);
    text(`Serial: ${input.serial}    Verification code: ${input.code}`, 12);
  }

  const qrSize = 110;
  if (issuer) {
    // bottom right, left of the QR code: the association, the signer, and the seal over them as on paper
    const blockWidth = 240;
    const blockX = width - 60 - qrSize - 30 - blockWidth;
    const blockY = height - 60 - qrSize + 10;
    const line = (value: string, size: number, y: number) => doc.fontSize(size).text(font ? value : latin(value), blockX, y, { width: blockWidth, align: 'center' });
    line(font ? `颁发机构：${issuer.name}` : `Issued by ${issuer.name}`, 12, blockY + 20);
    if (signer) line(font ? `签发人：${signer}` : `Signed: ${issuer.signerName}${issuer.signerTitle ? `, ${issuer.signerTitle}` : ''}`, 11, blockY + 44);
    line(font ? date.zh : date.en, 11, blockY + 66);
    if (issuer.seal) {
      const sealSize = 100;
      try {
        doc.image(issuer.seal, blockX + (blockWidth - sealSize) / 2, blockY, { fit: [sealSize, sealSize], align: 'center', valign: 'center' });
      } catch (error) {
        // checked on upload (server/organizations/seal.ts); a certificate is never lost to its seal
        warn?.(`certificates: the seal of ${issuer.name} could not be drawn: ${(error as Error).message}`);
      }
    }
  }
  doc.image(qr, width - 60 - qrSize, height - 60 - qrSize, { width: qrSize, height: qrSize });
  // left of the issuer block when there is one, so the seal never covers the link
  const urlWidth = issuer ? width - 60 - qrSize - 30 - 240 - 20 - 60 : width - 120 - qrSize - 20;
  doc.fontSize(8).text(input.verifyUrl, 60, height - 60 - 10, { width: urlWidth, align: 'left' });
  doc.end();
  return done;
}
