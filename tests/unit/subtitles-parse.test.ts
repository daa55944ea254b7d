/** The subtitle checker (server/subtitles/parse.ts): formats, every refusal with its line, and round trips. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  formatTimestamp,
  parseSubtitleText,
  parseSubtitles,
  parseTimestamp,
  plainCueText,
  renderSrt,
  renderVtt,
  SubtitleFileError,
  transcriptOf,
  type Cue,
} from '../../server/subtitles/parse.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

function refusal(run: () => unknown): { code: string; line: number } {
  try {
    run();
  } catch (error) {
    if (error instanceof SubtitleFileError) return { code: error.code, line: error.line };
    throw error;
  }
  throw new Error('expected a SubtitleFileError');
}

const SRT = `1
00:00:01,000 --> 00:00:03,500
各位律师，大家好。

2
00:00:04,000 --> 00:00:07,250
<i>今天讲</i>合同解除的
法定事由 &amp; 约定事由
`;

describe('parseSubtitles', () => {
  it('reads SRT: numbers, comma timestamps, tags and entities, two-line cues', () => {
    const { format, cues } = parseSubtitles(bytes(SRT), 'srt');
    expect(format).toBe('srt');
    expect(cues).toEqual([
      { start: 1, end: 3.5, text: '各位律师，大家好。' },
      { start: 4, end: 7.25, text: '今天讲合同解除的\n法定事由 & 约定事由' },
    ]);
  });

  it('reads WebVTT with a BOM, CR LF, a header, NOTE and STYLE blocks, identifiers, settings and short timestamps', () => {
    const vtt = '\uFEFFWEBVTT - 讲座字幕\r\nKind: captions\r\n\r\nNOTE 这是注释\r\n\r\nSTYLE\r\n::cue { color: yellow }\r\n\r\nintro\r\n00:01.000 --> 00:02.000 align:start line:0\r\n第一句\r\n\r\n00:00:02.500 --> 00:00:04.000\r\n<v 张律师>第二句</v>\r\n';
    const { format, cues } = parseSubtitles(bytes(vtt), 'vtt');
    expect(format).toBe('vtt');
    expect(cues).toEqual([
      { start: 1, end: 2, text: '第一句' },
      { start: 2.5, end: 4, text: '第二句' },
    ]);
  });

  it('reads a WebVTT file uploaded as SRT as WebVTT', () => {
    expect(parseSubtitles(bytes('WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n'), 'srt').format).toBe('vtt');
  });

  it('refuses a file that is not UTF-8, at the line of the first bad byte', () => {
    const gbk = Buffer.concat([Buffer.from('1\n00:00:01,000 --> 00:00:02,000\n'), Buffer.from([0xc4, 0xe3, 0xba, 0xc3]), Buffer.from('\n')]);
    expect(refusal(() => parseSubtitles(gbk, 'srt'))).toEqual({ code: 'subtitle_not_utf8', line: 3 });
  });

  it('refuses NUL and other control characters', () => {
    expect(refusal(() => parseSubtitles(bytes('1\n00:00:01,000 --> 00:00:02,000\nab\u0000c\n'), 'srt'))).toEqual({ code: 'subtitle_bad_text', line: 3 });
  });

  it('refuses a WebVTT file without its header', () => {
    expect(refusal(() => parseSubtitles(bytes('00:00.000 --> 00:01.000\nhi\n'), 'vtt'))).toEqual({ code: 'subtitle_bad_header', line: 1 });
  });

  it('names the line of a malformed timestamp', () => {
    expect(refusal(() => parseSubtitles(bytes(SRT.replace('00:00:04,000', '00:00:4,000x')), 'srt'))).toEqual({ code: 'subtitle_bad_timestamp', line: 6 });
    expect(refusal(() => parseSubtitles(bytes(SRT.replace('00:00:04,000', '00:61:04,000')), 'srt'))).toEqual({ code: 'subtitle_bad_timestamp', line: 6 });
  });

  it('names the line of a block without a timing line', () => {
    expect(refusal(() => parseSubtitles(bytes('1\n这里没有时间\n'), 'srt'))).toEqual({ code: 'subtitle_bad_timing', line: 2 });
    expect(refusal(() => parseSubtitles(bytes('1\n\n'), 'srt'))).toEqual({ code: 'subtitle_bad_timing', line: 2 });
  });

  it('refuses a cue that ends before it starts, and one out of order', () => {
    expect(refusal(() => parseSubtitles(bytes(SRT.replace('00:00:04,000 --> 00:00:07,250', '00:00:07,000 --> 00:00:06,000')), 'srt'))).toEqual({ code: 'subtitle_end_before_start', line: 6 });
    expect(refusal(() => parseSubtitles(bytes(SRT.replace('00:00:04,000 --> 00:00:07,250', '00:00:00,500 --> 00:00:07,250')), 'srt'))).toEqual({ code: 'subtitle_out_of_order', line: 6 });
  });

  it('refuses a cue beyond the lecture (with 5 s of slack), and checks nothing when the length is unknown', () => {
    expect(parseSubtitles(bytes(SRT), 'srt', { durationSeconds: 3 }).cues).toHaveLength(2);
    expect(refusal(() => parseSubtitles(bytes(SRT), 'srt', { durationSeconds: 2 }))).toEqual({ code: 'subtitle_beyond_duration', line: 6 });
    expect(parseSubtitles(bytes(SRT), 'srt', { durationSeconds: null }).cues).toHaveLength(2);
  });

  it('refuses a file with no cue that shows text', () => {
    expect(refusal(() => parseSubtitles(bytes(''), 'srt')).code).toBe('subtitle_no_cues');
    expect(refusal(() => parseSubtitles(bytes('WEBVTT\n\nNOTE only a note\n'), 'vtt')).code).toBe('subtitle_no_cues');
    expect(refusal(() => parseSubtitles(bytes('1\n00:00:01,000 --> 00:00:02,000\n<i></i>\n'), 'srt')).code).toBe('subtitle_no_cues');
  });
});

describe('timestamps and text', () => {
  it('parses and formats', () => {
    expect(parseTimestamp('01:02:03.456')).toBe(3723.456);
    expect(parseTimestamp('02:03,4')).toBe(123.4);
    expect(parseTimestamp('1:2:3.000')).toBeNull();
    expect(formatTimestamp(3723.456)).toBe('01:02:03.456');
    expect(formatTimestamp(0.5, ',')).toBe('00:00:00,500');
  });

  it('makes plain text of a payload', () => {
    expect(plainCueText('<c.yellow>黄色</c> <00:00:01.000>字 {\\an8}&lt;b&gt;&#x4e2d;')).toBe('黄色 字 <b>中');
  });

  it('finds each cue in the transcript by code points, as strpos counts', () => {
    const { text, offsets } = transcriptOf([
      { start: 0, end: 1, text: '𠀀一' },
      { start: 1, end: 2, text: 'ab' },
    ]);
    expect(text).toBe('𠀀一\nab');
    expect(offsets).toEqual([1, 4]);
  });
});

// Text a trainer's cue may hold: Chinese, Latin, digits, punctuation that needs escaping, single spaces.
const word = fc.string({ unit: fc.constantFrom(...'律师合同解除法定事由abcXYZ019,.!?&<>"\'-：，。（）'.split('')), minLength: 1, maxLength: 12 });
const cueLine = fc.array(word, { minLength: 1, maxLength: 4 }).map((words) => words.join(' '));
const cueText = fc.array(cueLine, { minLength: 1, maxLength: 3 }).map((lines) => lines.join('\n'));
const cues = fc
  .array(fc.record({ gap: fc.integer({ min: 0, max: 5000 }), length: fc.integer({ min: 1, max: 8000 }), text: cueText }), { minLength: 1, maxLength: 30 })
  .map((items) => {
    let at = 0;
    return items.map((item): Cue => {
      at += item.gap;
      return { start: at / 1000, end: (at + item.length) / 1000, text: item.text };
    });
  });

describe('round trips', () => {
  it('a WebVTT rendered from valid cues parses back to the same cues', () => {
    fc.assert(
      fc.property(cues, (list) => {
        expect(parseSubtitleText(renderVtt(list), 'vtt').cues).toEqual(list);
      }),
    );
  });

  it('an SRT of valid cues becomes the WebVTT of the same cues', () => {
    fc.assert(
      fc.property(cues, (list) => {
        const fromSrt = parseSubtitleText(renderSrt(list), 'srt');
        expect(fromSrt.format).toBe('srt');
        expect(fromSrt.cues).toEqual(list);
        expect(renderVtt(fromSrt.cues)).toBe(renderVtt(list));
      }),
    );
  });
});
