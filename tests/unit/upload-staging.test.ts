/** PURE parts of the S3 staging store: which committed pieces make up a complete upload. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { contiguous } from '../../server/uploads/storage-staging.ts';

const piece = (start: number, bytes: number) => ({ uploadId: 'u', start, bytes, storageKey: `uploads/u/${start}`, createdAt: new Date(0) });

describe('contiguous pieces', () => {
  it('takes pieces that cover the file from 0 without a gap, in order whatever order they come in', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5_000_000 }), { minLength: 1, maxLength: 40 }), fc.integer(), (sizes, seed) => {
        let at = 0;
        const pieces = sizes.map((bytes) => {
          const p = piece(at, bytes);
          at += bytes;
          return p;
        });
        const shuffled = [...pieces].sort((a, b) => ((a.start * 7919 + seed) % 101) - ((b.start * 7919 + seed) % 101));
        expect(contiguous(shuffled, at)).toEqual(pieces);
      }),
    );
  });

  it('refuses a gap, an overlap, a piece missing at either end, or a length that differs', () => {
    expect(contiguous([piece(0, 10), piece(11, 5)], 16)).toBeNull(); // gap
    expect(contiguous([piece(0, 10), piece(9, 5)], 14)).toBeNull(); // overlap
    expect(contiguous([piece(5, 10)], 15)).toBeNull(); // no start
    expect(contiguous([piece(0, 10)], 15)).toBeNull(); // no end
    expect(contiguous([piece(0, 10), piece(10, 5)], 14)).toBeNull(); // longer than declared
    expect(contiguous([], 0)).toEqual([]);
  });
});
