import { describe, expect, it } from 'vitest';
import { stateChangeRefusal, type StateChangeRequest } from '../../server/http/request-guards.ts';

const base: StateChangeRequest = { method: 'POST', url: '/api/auth/logout', contentType: undefined, secFetchSite: undefined, origin: undefined, host: 'lectern.example.cn', publicOrigin: 'https://lectern.example.cn' };
const check = (over: Partial<StateChangeRequest>) => stateChangeRefusal({ ...base, ...over })?.code ?? 'ok';

describe('stateChangeRefusal', () => {
  it('lets the web app and non-browser clients through', () => {
    expect(check({})).toBe('ok');
    expect(check({ contentType: 'application/json; charset=utf-8', secFetchSite: 'same-origin', origin: 'https://lectern.example.cn' })).toBe('ok');
    expect(check({ secFetchSite: 'none' })).toBe('ok');
    expect(check({ origin: 'https://lectern.example.cn' })).toBe('ok');
    expect(check({ origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000' })).toBe('ok');
  });

  it('refuses other sites, whichever header says so', () => {
    expect(check({ secFetchSite: 'same-site' })).toBe('cross_site_request');
    expect(check({ secFetchSite: 'cross-site', origin: 'https://lectern.example.cn' })).toBe('cross_site_request');
    expect(check({ origin: 'https://evil.example' })).toBe('cross_site_request');
    expect(check({ origin: 'null' })).toBe('cross_site_request');
    expect(check({ origin: 'https://lectern.example.cn.evil.example' })).toBe('cross_site_request');
    expect(check({ origin: 'javascript:alert(1)', host: 'alert(1)' })).toBe('cross_site_request');
  });

  it('refuses what a form can send, except on tus uploads', () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=a', 'TEXT/PLAIN;charset=utf-8', '']) {
      expect(check({ contentType })).toBe('unsupported_media_type');
    }
    expect(check({ url: '/api/uploads', contentType: 'application/offset+octet-stream' })).toBe('ok');
    expect(check({ url: '/api/uploads/0123456789abcdef0123456789abcdef', method: 'PATCH', contentType: 'application/offset+octet-stream' })).toBe('ok');
    expect(check({ url: '/api/uploadsx', contentType: 'text/plain' })).toBe('unsupported_media_type');
  });

  it('takes a handout’s raw bytes on its upload route only, and still only from this site', () => {
    const course = '/api/courses/0d9a5f9e-0000-4000-8000-000000000001/handouts';
    expect(check({ url: `${course}?name=a.pdf`, contentType: 'application/octet-stream' })).toBe('ok');
    expect(check({ url: course, contentType: 'application/octet-stream', secFetchSite: 'same-origin' })).toBe('ok');
    // a cross-site page cannot send it either (octet-stream needs a preflight, and the site check comes first)
    expect(check({ url: course, contentType: 'application/octet-stream', secFetchSite: 'cross-site' })).toBe('cross_site_request');
    // what a form can send stays refused there; other routes and methods take no octet-stream
    expect(check({ url: course, contentType: 'multipart/form-data; boundary=a' })).toBe('unsupported_media_type');
    expect(check({ url: course, contentType: 'text/plain' })).toBe('unsupported_media_type');
    expect(check({ url: course, method: 'PUT', contentType: 'application/octet-stream' })).toBe('unsupported_media_type');
    expect(check({ url: '/api/courses/x/lectures', contentType: 'application/octet-stream' })).toBe('unsupported_media_type');
    expect(check({ url: `${course}/x`, contentType: 'application/octet-stream' })).toBe('unsupported_media_type');
    expect(check({ url: '/api/handouts/x', method: 'PATCH', contentType: 'application/octet-stream' })).toBe('unsupported_media_type');
  });

  it('takes a subtitle file as itself on its upload route only', () => {
    const url = '/api/lectures/0b6a3f56-2d0c-4a8e-9c1b-6f7e8d9a0b1c/subtitles/zh-CN';
    expect(check({ method: 'PUT', url, contentType: 'text/vtt' })).toBe('ok');
    expect(check({ method: 'PUT', url: url.replace('zh-CN', 'en'), contentType: 'application/x-subrip; charset=utf-8' })).toBe('ok');
    expect(check({ method: 'PUT', url, contentType: 'text/plain' })).toBe('unsupported_media_type');
    expect(check({ method: 'POST', url, contentType: 'text/vtt' })).toBe('unsupported_media_type');
    expect(check({ method: 'PUT', url: '/api/lectures/0b6a3f56-2d0c-4a8e-9c1b-6f7e8d9a0b1c', contentType: 'text/vtt' })).toBe('unsupported_media_type');
    expect(check({ method: 'PUT', url: `${url}/x`, contentType: 'text/vtt' })).toBe('unsupported_media_type');
    expect(check({ method: 'PUT', url, contentType: 'text/vtt', secFetchSite: 'cross-site' })).toBe('cross_site_request');
  });

  it('leaves reads and the web app shell alone', () => {
    expect(check({ method: 'GET', secFetchSite: 'cross-site', contentType: 'text/plain' })).toBe('ok');
    expect(check({ method: 'HEAD', secFetchSite: 'cross-site' })).toBe('ok');
    expect(check({ url: '/login', secFetchSite: 'cross-site' })).toBe('ok');
  });
});
