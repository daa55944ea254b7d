/**
 * An API failure's words (web/src/lib/i18n/error-text.ts): a code with a `serverError.<code>`
 * entry gets its sentence; any other code a generic sentence in the reader's language with the
 * code for support; the server's English message never reaches the page (issue 11: "出错了：boom").
 */
import { describe, expect, test } from 'vitest';
import { failureLine, failureText } from '../../web/src/lib/i18n/error-text.ts';
import zhCN from '../../web/src/lib/i18n/zh-CN.ts';
import en from '../../web/src/lib/i18n/en.ts';

describe('failure text', () => {
  test('a mapped code gets its catalog sentence in either language, without a code', () => {
    expect(failureText({ status: 400, code: 'seal_too_large' }, zhCN, zhCN)).toEqual({ text: zhCN['serverError.seal_too_large'], code: null });
    expect(failureText({ status: 400, code: 'seal_too_large' }, en, zhCN)).toEqual({ text: en['serverError.seal_too_large'], code: null });
  });

  test('an unmapped code gets the generic sentence and its code, never the server text', () => {
    const zh = failureText({ status: 418, code: 'boom' }, zhCN, zhCN);
    expect(zh).toEqual({ text: zhCN['app.error.unknown'], code: 'boom' });
    expect(failureLine({ status: 418, code: 'boom' }, zhCN, zhCN)).toBe(`${zhCN['app.error.unknown']}（错误代码：boom）`);
    expect(failureLine({ status: 418, code: 'boom' }, en, zhCN)).toBe(`${en['app.error.unknown']} (error code: boom)`);
    // the text has no Latin words in Chinese: the server's English cannot have slipped in
    expect(zhCN['app.error.unknown']).not.toMatch(/[A-Za-z]/);
  });

  test('5xx gets the server sentence; 403 the permission sentence; a code that is not a code is not shown', () => {
    expect(failureText({ status: 500, code: 'internal' }, zhCN, zhCN)).toEqual({ text: zhCN['app.error.server'], code: 'internal' });
    expect(failureText({ status: 403, code: 'forbidden_somehow' }, zhCN, zhCN)).toEqual({ text: zhCN['app.error.forbidden'], code: null });
    expect(failureText({ status: 400, code: '<script>alert(1)</script>' }, zhCN, zhCN).code).toBeNull();
  });

  test('a code named like an inherited property is not a catalog entry', () => {
    expect(failureText({ status: 400, code: 'constructor' }, zhCN, zhCN).text).toBe(zhCN['app.error.unknown']);
  });

  test('every new code of the certificate settings has a sentence in both catalogs', () => {
    for (const code of ['seal_not_base64', 'seal_not_image', 'seal_too_large', 'seal_unreadable', 'firm_not_issuer']) {
      expect(failureText({ status: 400, code }, zhCN, zhCN).code, code).toBeNull();
      expect(en[`serverError.${code}` as keyof typeof en], code).toBeTruthy();
    }
  });
  test('every subtitle refusal has a sentence in both catalogs', async () => {
    const { SUBTITLE_PROBLEMS } = await import('../../server/subtitles/parse.ts');
    const zhAll = { ...zhCN, ...(await import('../../web/src/lib/i18n/zh-CN-staff.ts')).default };
    for (const code of [...SUBTITLE_PROBLEMS, 'subtitle_content_type', 'body_too_large']) {
      expect(failureText({ status: 422, code }, zhAll, zhAll).code, code).toBeNull();
      expect(failureText({ status: 422, code }, en, zhAll).text, code).toBe(en[`serverError.${code}` as keyof typeof en]);
    }
  });
});
