/** The seal upload's checks (server/organizations/seal.ts) and the site identity settings (SITE_*). */
import { describe, expect, test } from 'vitest';
import { checkSeal, SEAL_MAX_BYTES, sniffSeal } from '../../server/organizations/seal.ts';
import { issuingOrganization } from '../../server/organizations/issuer-service.ts';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { noisePng, sealPng } from '../helpers/images.ts';
import type { OrganizationRow } from '../../server/organizations/repository.ts';

const codeOf = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return 'accepted';
};

describe('the seal image', () => {
  test('PNG and JPEG are known by their first bytes, whatever they claim', () => {
    expect(sniffSeal(sealPng(10))).toBe('image/png');
    expect(sniffSeal(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]))).toBe('image/jpeg');
    expect(sniffSeal(Buffer.from('GIF89a'))).toBeNull();
    expect(sniffSeal(Buffer.from('<svg/>'))).toBeNull();
    expect(sniffSeal(Buffer.alloc(0))).toBeNull();
  });

  test('a good PNG passes with its size and hash; a data: URL prefix is allowed', () => {
    const png = sealPng(64);
    const seal = checkSeal(`data:image/png;base64,${png.toString('base64')}`);
    expect(seal).toMatchObject({ contentType: 'image/png', width: 64, height: 64 });
    expect(seal.bytes.equals(png)).toBe(true);
    expect(seal.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('refusals name what is wrong', () => {
    expect(codeOf(() => checkSeal('%%%'))).toBe('seal_not_base64');
    expect(codeOf(() => checkSeal(''))).toBe('seal_not_image');
    expect(codeOf(() => checkSeal(Buffer.from('hello').toString('base64')))).toBe('seal_not_image');
    expect(codeOf(() => checkSeal(Buffer.concat([sealPng(8).subarray(0, 8), Buffer.from('junk')]).toString('base64')))).toBe('seal_unreadable');
    const big = noisePng(260, 260);
    expect(big.length).toBeGreaterThan(SEAL_MAX_BYTES);
    expect(codeOf(() => checkSeal(big.toString('base64')))).toBe('seal_too_large');
    expect(codeOf(() => checkSeal(sealPng(2100).toString('base64')))).toBe('seal_unreadable');
  });
});

describe('the issuing association', () => {
  const org = (id: string, kind: OrganizationRow['kind']) => ({ id, kind }) as OrganizationRow;
  test('the course’s organization, or the nearest association above a firm', () => {
    expect(issuingOrganization([org('sc', 'province'), org('cn', 'national')])?.id).toBe('sc');
    expect(issuingOrganization([org('firm', 'firm'), org('my', 'city'), org('sc', 'province')])?.id).toBe('my');
    expect(issuingOrganization([])).toBeUndefined();
  });
});

describe('site identity settings', () => {
  test('unset: nothing configured (the web app shows 讲坛 and no ICP line)', () => {
    expect(loadConfig({}).site).toEqual({});
  });

  test('set: name, logo, footer, ICP number and help link', () => {
    const site = loadConfig({ SITE_NAME: '四川律师学院', SITE_LOGO_URL: 'https://cdn.example.cn/logo.png', SITE_FOOTER: '四川省律师协会 主办', SITE_ICP: '蜀ICP备12345678号-1', SITE_HELP_URL: '/help' }).site;
    expect(site).toEqual({ name: '四川律师学院', logoUrl: 'https://cdn.example.cn/logo.png', footer: '四川省律师协会 主办', icp: '蜀ICP备12345678号-1', helpUrl: '/help' });
  });

  test('links must be http(s) or a path on this site; texts one line', () => {
    for (const env of [{ SITE_LOGO_URL: 'javascript:alert(1)' }, { SITE_HELP_URL: '//evil.example/x' }, { SITE_FOOTER: 'a\nb' }, { SITE_NAME: 'x'.repeat(41) }]) {
      expect(() => loadConfig(env), JSON.stringify(env)).toThrow(ConfigError);
    }
  });
});
