import { describe, expect, it } from 'vitest';
import { parseSlides, parseThumbsVtt, slideIndexAt, thumbAt } from '../../web/src/lib/player/slides.ts';

const base = 'http://example.test/api/media/exp/sig/lectures/l1/p1/slides.json';

describe('slides', () => {
  it('parses, resolves and sorts slides, skipping bad entries', () => {
    const slides = parseSlides(
      [
        { t: 30, src: 'slides/0002.jpg', width: 1280, height: 720 },
        { t: 0, src: 'slides/0001.jpg', width: 1280, height: 720 },
        { t: 'x', src: 'bad.jpg' },
        null,
        { t: 5 },
      ],
      base,
    );
    expect(slides.map((s) => s.t)).toEqual([0, 30]);
    expect(slides[0]!.src).toBe('http://example.test/api/media/exp/sig/lectures/l1/p1/slides/0001.jpg');
    expect(parseSlides({ not: 'an array' }, base)).toEqual([]);
  });

  it('finds the slide on screen at a time', () => {
    const slides = parseSlides(
      [
        { t: 2, src: 'a.jpg' },
        { t: 30, src: 'b.jpg' },
        { t: 90, src: 'c.jpg' },
      ],
      base,
    );
    expect(slideIndexAt(slides, 0)).toBe(0);
    expect(slideIndexAt(slides, 29.9)).toBe(0);
    expect(slideIndexAt(slides, 30)).toBe(1);
    expect(slideIndexAt(slides, 1000)).toBe(2);
    expect(slideIndexAt([], 5)).toBe(-1);
  });
});

describe('thumbnails', () => {
  it('parses a sprite VTT', () => {
    const vtt = 'WEBVTT\n\n00:00:00.000 --> 00:00:05.000\nthumbs.jpg#xywh=0,0,160,90\n\n00:00:05.000 --> 00:01:10.500\nthumbs.jpg#xywh=160,0,160,90\n';
    const thumbs = parseThumbsVtt(vtt, 'http://example.test/p/thumbs.vtt');
    expect(thumbs).toHaveLength(2);
    expect(thumbs[1]).toEqual({ start: 5, end: 70.5, url: 'http://example.test/p/thumbs.jpg', x: 160, y: 0, w: 160, h: 90 });
    expect(thumbAt(thumbs, 6)?.x).toBe(160);
    expect(thumbAt(thumbs, 0)?.x).toBe(0);
  });
});
