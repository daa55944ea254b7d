/**
 * The course editor's pure rules: when a replaced recording keeps lawyers' partial coverage
 * (docs/credit.md, "Replacing a recording"), and when a course may be published.
 */
import { describe, expect, test } from 'vitest';
import { COVERAGE_KEPT_TOLERANCE, coverageKept } from '../../server/teach/replacement.ts';
import { assertPublishable } from '../../server/teach/service.ts';
import { HttpError } from '../../server/http/errors.ts';

describe('coverage after a replaced recording', () => {
  test('kept within 5 % of the old length, either way; reset beyond', () => {
    expect(COVERAGE_KEPT_TOLERANCE).toBe(0.05);
    expect(coverageKept(600, 600)).toBe(true);
    expect(coverageKept(600, 630)).toBe(true);
    expect(coverageKept(600, 570)).toBe(true);
    expect(coverageKept(600, 630.5)).toBe(false);
    expect(coverageKept(600, 569)).toBe(false);
    expect(coverageKept(20, 8)).toBe(false);
  });

  test('an unknown old length keeps nothing', () => {
    expect(coverageKept(null, 600)).toBe(false);
    expect(coverageKept(0, 0)).toBe(false);
  });
});

describe('publishing', () => {
  const code = (lectures: Parameters<typeof assertPublishable>[0]): string | null => {
    try {
      assertPublishable(lectures);
      return null;
    } catch (error) {
      return (error as HttpError).code;
    }
  };
  const l = (status: 'ready' | 'failed' | 'uploading' | 'processing', hidden = false) => ({ status, hidden, title: `${status}${hidden ? ' hidden' : ''}` });

  test('needs a shown ready lecture, and every shown lecture ready', () => {
    expect(code([])).toBe('no_ready_lecture');
    expect(code([l('ready', true)])).toBe('no_ready_lecture');
    expect(code([l('uploading')])).toBe('no_ready_lecture');
    expect(code([l('ready'), l('failed')])).toBe('unready_lectures');
    expect(code([l('ready'), l('processing')])).toBe('unready_lectures');
    expect(code([l('ready'), l('failed', true), l('uploading', true)])).toBeNull();
    expect(code([l('ready'), l('ready')])).toBeNull();
  });
});

describe('the teach page’s helpers', async () => {
  const { movedOrder, unreadyLectures } = await import('../../web/src/routes/teach/teach-api.ts');
  test('moving a lecture swaps it with its neighbour; not past either end', () => {
    expect(movedOrder(['a', 'b', 'c'], 1, -1)).toEqual(['b', 'a', 'c']);
    expect(movedOrder(['a', 'b', 'c'], 1, 1)).toEqual(['a', 'c', 'b']);
    expect(movedOrder(['a', 'b', 'c'], 0, -1)).toBeNull();
    expect(movedOrder(['a', 'b', 'c'], 2, 1)).toBeNull();
  });
  test('the lectures that block publishing are the shown ones that are not ready', () => {
    const lecture = (id: string, status: 'ready' | 'failed' | 'uploading', hidden = false) => ({ id, status, hidden }) as never;
    expect(unreadyLectures({ lectures: [lecture('a', 'ready'), lecture('b', 'failed'), lecture('c', 'uploading', true)] }).map((l) => l.id)).toEqual(['b']);
  });
});
