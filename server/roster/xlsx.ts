/**
 * Reads an XLSX workbook into a roster table (server/roster/validate.ts checks it) with
 * read-excel-file, a maintained XLSX reader: no spreadsheet parsing of our own.
 *
 * - The sheet is the first one whose first rows name the roster columns, so a workbook with an
 *   instructions sheet in front still works; failing that, the first sheet (whose problems
 *   are then reported).
 * - Number cells keep the text the file stores (`{ numeric }`): a 17-digit licence number does
 *   not fit a double, and the check must be able to say "this column is a number column".
 * - A workbook is a zip: before anything is unzipped, the sizes its directory declares are added
 *   up and a workbook that would unpack to more than MAX_UNPACKED_BYTES is refused (a small
 *   upload must not unpack into gigabytes). fflate allocates each entry at its declared size,
 *   so a lying directory cannot get past this either.
 */
import readXlsxFile from 'read-excel-file/node';
import { unzipSync } from 'fflate';
import { headerIndex, type RosterCell, type RosterProblem, type RosterTable } from './validate.ts';

/** A 20,000-row roster unpacks to about 5 MB; leave room for styles and other sheets. */
export const MAX_UNPACKED_BYTES = 64 * 1024 * 1024;

export async function readRosterXlsx(bytes: Buffer): Promise<RosterTable | RosterProblem> {
  const unreadable = (detail: string): RosterProblem => ({ row: 0, code: 'file_unreadable', params: { format: 'xlsx' }, message: `The file is not an XLSX workbook that can be read (${detail}). Save it from Excel or WPS as .xlsx (not .xls or .et) and try again.` });
  let unpacked = 0;
  try {
    unzipSync(bytes, {
      filter: (entry) => {
        unpacked += entry.originalSize;
        return false; // only the directory is read here
      },
    });
  } catch {
    return unreadable('not a zip archive');
  }
  if (unpacked > MAX_UNPACKED_BYTES) return unreadable(`it would unpack to ${Math.round(unpacked / 1024 / 1024)} MB`);

  let sheets: { sheet: string; data: RosterCell[][] }[];
  try {
    sheets = (await readXlsxFile(bytes, { parseNumber: (text: string) => ({ numeric: text }) })) as unknown as typeof sheets;
  } catch (err) {
    return unreadable(err instanceof Error ? err.message : 'unknown error');
  }
  const tables: RosterTable[] = sheets.map(({ sheet, data }) => ({
    format: 'xlsx',
    sheet,
    rows: data.map((cells, i) => ({ line: i + 1, cells: cells.map(cellOf) })).filter((r) => r.cells.some((c) => c !== null && c !== '')),
  }));
  if (tables.length === 0) return { row: 0, code: 'file_empty', message: 'The workbook has no sheets.' };
  return tables.find((t) => headerIndex(t) >= 0) ?? tables[0]!;
}

function cellOf(cell: unknown): RosterCell {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'string' || typeof cell === 'boolean' || cell instanceof Date) return cell;
  if (typeof cell === 'object' && 'numeric' in cell) return { numeric: String((cell as { numeric: unknown }).numeric) };
  return String(cell);
}
