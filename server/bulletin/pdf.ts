/**
 * The bulletin (通报) as a PDF an association can send out as it is (pdfkit; the CJK font of the
 * certificates, server/certificates/pdf.ts, embedded as a subset). A4 portrait: title, the period,
 * overview, county vs city firms, young lawyers, the regions, a month-by-month bar chart with its
 * table, the commendation lists, and the association's name and date at the end. Without a CJK
 * font on the system the file is written in English (lang=en), as the certificates do.
 */
import PDFDocument from 'pdfkit';
import { cjkFont } from '../certificates/pdf.ts';
import type { Dashboard } from './schemas.ts';
import { beijingDate, hours, lastDayOf, overviewRows, percent, segmentCells, segmentHeader, WORDS, type BulletinLanguage } from './text.ts';

const MARGIN = 50;
const INK = '#222222';
const RULE = '#8a6d3b';

export async function renderBulletinPdf(d: Dashboard, requested: BulletinLanguage = 'zh-CN', warn?: (message: string) => void): Promise<Buffer> {
  const font = cjkFont(warn);
  const lang: BulletinLanguage = font ? requested : 'en';
  const w = WORDS[lang];
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, bufferPages: true, info: { Title: w.title(lang === 'zh-CN' ? d.period.label.zh : d.period.label.en), Author: d.organization.name } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  if (font) {
    doc.registerFont('cjk', font.data, font.family);
    doc.font('cjk');
  } else {
    doc.font('Helvetica');
  }
  // Helvetica cannot draw Chinese names: without the font they become '?', the file stays readable
  const say = (text: string) => (font ? text : text.replace(/[^\x20-\x7e\u00a0-\u00ff]/g, '?'));
  const width = doc.page.width - 2 * MARGIN;
  const bottom = () => doc.page.height - MARGIN;
  const ensure = (height: number) => {
    if (doc.y + height > bottom()) doc.addPage();
  };
  const heading = (text: string) => {
    ensure(60);
    doc.moveDown(0.8).fontSize(13).fillColor(INK).text(say(text), MARGIN, doc.y);
    doc.moveDown(0.3);
  };
  const paragraph = (text: string, size = 10) => doc.fontSize(size).fillColor(INK).text(say(text), MARGIN, doc.y, { width });

  /** A ruled table; long tables continue on the next page with their header again. */
  const table = (header: string[], rows: string[][], widths: number[]) => {
    const scale = width / widths.reduce((a, b) => a + b, 0);
    const cols = widths.map((x) => x * scale);
    const size = 8.5;
    // numbers to the right, names to the left: by what the first row holds in each column
    const numeric = (c: string) => /^[-\d.,%—\s/]+$/.test(c);
    const aligns = cols.map((_, i) => (i > 0 && (rows[0] ? numeric(rows[0][i] ?? '') : true) ? 'right' : 'left') as 'left' | 'right');
    const rowHeight = (cells: string[]) => Math.max(...cells.map((c, i) => doc.fontSize(size).heightOfString(say(c), { width: cols[i]! - 6 }))) + 6;
    const draw = (cells: string[], bold: boolean) => {
      const h = rowHeight(cells);
      if (doc.y + h > bottom()) {
        doc.addPage();
        if (!bold) draw(header, true);
      }
      const y = doc.y;
      if (bold) doc.rect(MARGIN, y, width, h).fill('#f1ece3');
      let x = MARGIN;
      cells.forEach((c, i) => {
        doc.fillColor(INK).fontSize(size).text(say(c), x + 3, y + 3, { width: cols[i]! - 6, align: aligns[i] });
        x += cols[i]!;
      });
      doc.moveTo(MARGIN, y + h).lineTo(MARGIN + width, y + h).lineWidth(0.5).strokeColor('#c9c2b6').stroke();
      doc.x = MARGIN;
      doc.y = y + h;
    };
    draw(header, true);
    for (const r of rows) draw(r, false);
    doc.moveDown(0.5);
  };

  // ── title ──
  doc.fontSize(16).fillColor(INK).text(say(d.organization.name), { align: 'center', characterSpacing: 2 });
  doc.moveDown(0.3);
  doc.fontSize(20).text(say(w.title(lang === 'zh-CN' ? d.period.label.zh : d.period.label.en)), { align: 'center' });
  doc.moveDown(0.3);
  doc.moveTo(MARGIN, doc.y).lineTo(MARGIN + width, doc.y).lineWidth(1.5).strokeColor(RULE).stroke();
  doc.moveDown(0.6);
  paragraph(w.intro(beijingDate(d.period.from, lang), lastDayOf(d.period.to, lang), beijingDate(d.generatedAt, lang)));

  const t = d.total;
  heading(w.overview);
  table([w.figure, w.value], overviewRows(t.all, t, lang), [3, 1]);

  heading(w.countyCity);
  table(
    [w.kind, w.firms, w.participatingFirms, ...segmentHeader(lang)],
    [
      [w.countyFirms, String(t.firms.county), String(t.firms.countyParticipating), ...segmentCells(t.countyFirms)],
      [w.cityFirms, String(t.firms.city), String(t.firms.cityParticipating), ...segmentCells(t.cityFirms)],
    ],
    [2, 1, 1, 1, 1, 1, 1.4, 1.4, 1.2],
  );

  heading(w.young);
  table([w.kind, ...segmentHeader(lang)], [[w.youngLawyers, ...segmentCells(t.young)]], [2, 1, 1, 1, 1.4, 1.4, 1.2]);

  const regions = d.provinces.length > 0 ? d.provinces : d.cities;
  if (regions.length > 0) {
    heading(w.regions);
    table(
      [w.region, w.countyLawyers, w.youngLawyers, ...segmentHeader(lang)],
      regions.map((g) => [g.name, String(g.countyFirms.lawyers), String(g.young.lawyers), ...segmentCells(g.all)]),
      [2.6, 1, 1, 1, 1, 1, 1.4, 1.4, 1.2],
    );
  }

  heading(w.months);
  barChart(doc, t.months.map((m) => ({ label: m.month.slice(2), online: hours(m.onlineMinutes, d.minutesPerClassHour), inPerson: hours(m.inPersonMinutes, d.minutesPerClassHour) })), MARGIN, width, ensure, say(w.online), say(w.inPerson));
  table(
    [w.month, w.online, w.inPerson, w.active, w.completions],
    t.months.map((m) => [m.month, String(hours(m.onlineMinutes, d.minutesPerClassHour)), String(hours(m.inPersonMinutes, d.minutesPerClassHour)), String(m.activeLawyers), String(m.completions)]),
    [1.2, 1, 1, 1, 1],
  );

  heading(w.commendation);
  paragraph(w.rules(d.commendation.rules), 9);
  doc.moveDown(0.4);
  paragraph(w.commendedFirms, 11);
  doc.moveDown(0.2);
  if (d.commendation.firms.length === 0) paragraph(w.noneCommended, 9);
  else
    table(
      [w.rank, w.firm, w.county, w.lawyers, w.classHours, w.periodHours, w.completions, w.compliance],
      d.commendation.firms.map((f) => [String(f.rank), f.name, f.county ? w.yes : w.no, String(f.lawyers), String(f.classHours), String(f.classHoursPerLawyer), String(f.completions), percent(f.compliance)]),
      [0.6, 3, 0.7, 0.8, 1, 1.1, 1, 1],
    );
  paragraph(w.commendedLawyers, 11);
  doc.moveDown(0.2);
  if (d.commendation.lawyers.length === 0) paragraph(w.noneCommended, 9);
  else
    table(
      [w.rank, w.name, w.licenseNo, w.firm, w.classHours, w.completions],
      d.commendation.lawyers.map((l) => [String(l.rank), l.name, l.licenseNo, l.firm, String(l.classHours), String(l.completions)]),
      [0.6, 1.2, 2, 3, 1, 1],
    );

  ensure(60);
  doc.moveDown(1.5).fontSize(11).fillColor(INK).text(say(w.issuer(d.organization.name, beijingDate(d.generatedAt, lang))), MARGIN, doc.y, { width, align: 'right' });

  // page numbers, on every page
  const range = doc.bufferedPageRange();
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    // below the bottom margin: without this pdfkit would start a new page for the number
    doc.page.margins.bottom = 0;
    doc.fontSize(8).fillColor('#777777').text(`${i + 1} / ${range.count}`, MARGIN, doc.page.height - MARGIN + 15, { width, align: 'center', lineBreak: false });
  }
  doc.end();
  return done;
}

/** Stacked bars of 学时 per month (online, in person): drawn, so the file needs no chart library. */
function barChart(doc: PDFKit.PDFDocument, bars: { label: string; online: number; inPerson: number }[], x: number, width: number, ensure: (h: number) => void, onlineLabel: string, inPersonLabel: string): void {
  const height = 120;
  ensure(height + 40);
  const top = doc.y + 4;
  const max = Math.max(1, ...bars.map((b) => b.online + b.inPerson));
  const slot = width / Math.max(1, bars.length);
  const barWidth = Math.min(28, slot * 0.6);
  doc.moveTo(x, top + height).lineTo(x + width, top + height).lineWidth(0.5).strokeColor('#999999').stroke();
  bars.forEach((b, i) => {
    const cx = x + slot * i + (slot - barWidth) / 2;
    const hOnline = (b.online / max) * height;
    const hInPerson = (b.inPerson / max) * height;
    if (hOnline > 0) doc.rect(cx, top + height - hOnline, barWidth, hOnline).fill('#2f5d8a');
    if (hInPerson > 0) doc.rect(cx, top + height - hOnline - hInPerson, barWidth, hInPerson).fill('#c08a2e');
    doc.fillColor('#444444').fontSize(7).text(b.label, x + slot * i, top + height + 3, { width: slot, align: 'center', lineBreak: false });
  });
  doc.fontSize(7).fillColor('#444444').text(String(Math.round(max)), x, top - 2, { lineBreak: false });
  const legendY = top + height + 14;
  doc.rect(x, legendY, 8, 8).fill('#2f5d8a');
  doc.fillColor('#444444').fontSize(8).text(onlineLabel, x + 12, legendY, { lineBreak: false });
  doc.rect(x + 120, legendY, 8, 8).fill('#c08a2e');
  doc.fillColor('#444444').fontSize(8).text(inPersonLabel, x + 132, legendY, { lineBreak: false });
  doc.x = x;
  doc.y = legendY + 16;
}
