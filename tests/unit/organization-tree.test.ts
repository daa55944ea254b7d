import { describe, expect, it } from 'vitest';
import { buildTree, type TreeRow } from '../../server/organizations/tree.ts';

const org = (id: string, parentId: string | null): TreeRow => ({ id, parentId, name: id, kind: 'city', regionCode: '510700', county: false });

describe('buildTree', () => {
  it('nests children under parents and keeps visible roots', () => {
    const tree = buildTree([org('sc', 'cn'), org('my', 'sc'), org('firm', 'my'), org('gy', 'sc')]);
    expect(tree.map((n) => n.id)).toEqual(['sc']); // 'cn' is not visible: 'sc' becomes a root
    expect(tree[0]!.children.map((n) => n.id)).toEqual(['my', 'gy']);
    expect(tree[0]!.children[0]!.children[0]!.id).toBe('firm');
  });

  it('returns an empty list for no organizations', () => {
    expect(buildTree([])).toEqual([]);
  });
});
