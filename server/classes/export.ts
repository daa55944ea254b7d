/**
 * Pure-ish: the class report as a table (header + one row per enrolled lawyer + totals), then as
 * CSV (the audit report's csvText: BOM, CRLF, stray line breaks quoted) or XLSX (write-excel-file).
 */
import writeXlsxFile from 'write-excel-file/node';
import { attachmentDisposition } from '../http/content-disposition.ts';
import { classHours } from '../playback/credit.ts';
import { csvText } from '../reports/rows.ts';
import type { ReportRow } from './service.ts';

export type ReportLang = 'zh-CN' | 'en';

const HEADERS: Record<ReportLang, string[]> = {
  'zh-CN': ['姓名', '执业证号', '律师事务所', '已完成课程', '已参加现场培训', '完成项目', '项目总数', '学时', '分钟', '已开始', '已结业', '结业时间', '证书编号'],
  en: ['Name', 'Licence no.', 'Firm', 'Courses completed', 'In-person sessions attended', 'Items done', 'Items', 'Class hours', 'Minutes', 'Started', 'Completed', 'Completed at', 'Certificate serial'],
};

/** A cell a spreadsheet would run as a formula starts with a quote instead. */
const safe = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

export function reportTable(rows: readonly ReportRow[], minutesPerClassHour: number, lang: ReportLang): (string | number)[][] {
  const yes = lang === 'en' ? 'yes' : '是';
  const no = lang === 'en' ? 'no' : '否';
  const body = rows.map((r) => [
    safe(r.lawyer.name),
    r.lawyer.licenseNo,
    safe(r.lawyer.firm),
    r.coursesDone,
    r.sessionsAttended,
    r.done,
    r.total,
    classHours(r.minutes, minutesPerClassHour),
    r.minutes,
    r.started ? yes : no,
    r.completed ? yes : no,
    r.completedAt ? r.completedAt.toISOString() : '',
    r.certificateSerial ?? '',
  ]);
  const minutes = rows.reduce((s, r) => s + r.minutes, 0);
  const totals = lang === 'en'
    ? `Total: ${rows.length} enrolled, ${rows.filter((r) => r.started).length} started, ${rows.filter((r) => r.completed).length} completed`
    : `合计：报名 ${rows.length} 人，已开始 ${rows.filter((r) => r.started).length} 人，已结业 ${rows.filter((r) => r.completed).length} 人`;
  return [HEADERS[lang], ...body, [totals, '', '', '', '', '', '', classHours(minutes, minutesPerClassHour), minutes, '', '', '', '']];
}

export function reportCsv(table: (string | number)[][]): string {
  return csvText(table);
}

export async function reportXlsx(table: (string | number)[][], sheet: string): Promise<Buffer> {
  const data = table.map((row, i) => row.map((value) => ({ value, type: typeof value === 'number' ? Number : String, fontWeight: i === 0 ? ('bold' as const) : undefined })));
  return (await writeXlsxFile(data as never, { sheet: sheet.slice(0, 31).replace(/[\\/?*[\]:]/g, '_') || 'Report' }).toBuffer()) as Buffer;
}

export function reportDisposition(className: string, ext: 'csv' | 'xlsx'): string {
  return attachmentDisposition(`${className}-培训班报表.${ext}`, `lectern-class-report.${ext}`);
}
