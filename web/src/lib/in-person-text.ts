/**
 * The sentences of an in-person record (现场培训, docs/programme.md "Nothing silently edited"), one
 * wording wherever a correction or a record's source is shown: the admin's 现场培训 panel and the
 * lawyer's evidence page.
 */
import type { InPersonCorrection } from './api/types.ts';
import { t } from './i18n/index.svelte.ts';

/** What a correction changed: an attendance removed, an attendance's minutes, or the session's minutes. */
export function correctionText(c: Pick<InPersonCorrection, 'kind' | 'lawyer' | 'minutesBefore' | 'minutesAfter'>): string {
  const params = { name: c.lawyer?.name ?? '', before: c.minutesBefore, after: c.minutesAfter ?? 0 };
  if (c.kind === 'attendance_removed') return t('inPerson.correction.removed', params);
  if (c.kind === 'attendance_minutes') return t('inPerson.correction.attendance', params);
  return t('inPerson.correction.session', params);
}

/** How an attendance was recorded: from a sign-in sheet or by the form. */
export const recordedFrom = (source: string): string => t(source === 'sheet' ? 'inPerson.source.sheet' : 'inPerson.source.form');
