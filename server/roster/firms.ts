/**
 * Pure: which firm of the organization's subtree a roster's firm name means.
 *
 * A roster names firms; it does not create them (docs/accounts.md, "Roster import"). A firm
 * needs a region code and a place in the tree that a spreadsheet cell cannot give, so an unknown
 * name is a bad row, and the preview says under which organization the firm must be created
 * first (and, when a firm of the subtree is spelled almost the same, which one was probably
 * meant). Firm names are unique only under one parent, so a name may match two firms in a
 * province: such a row is refused as ambiguous, naming both paths, rather than guessed.
 */

export interface OrganizationNode {
  id: string;
  parentId: string | null;
  name: string;
  kind: 'national' | 'province' | 'city' | 'firm';
  closedAt: Date | null;
}

export interface FirmPlace {
  id: string;
  name: string;
  /** names from the importing organization down to the firm, both included */
  path: string[];
}

export type FirmLookup =
  | { kind: 'found'; firm: FirmPlace }
  | { kind: 'closed'; firm: FirmPlace }
  | { kind: 'ambiguous'; firms: FirmPlace[] }
  | { kind: 'unknown'; suggestion: FirmPlace | null };

/** Spelling that does not change which firm is meant: full-width forms, spaces, brackets. */
export function looseName(name: string): string {
  return name.normalize('NFKC').replace(/[\s()（）【】[\]·・]+/g, '').toLowerCase();
}

export class FirmDirectory {
  private readonly byName = new Map<string, { place: FirmPlace; closed: boolean }[]>();
  private readonly byLooseName = new Map<string, FirmPlace[]>();

  /**
   * `subtree`: the importing organization and everything below it; `closedAbove`: the importing
   * organization or one of its ancestors is closed (then no firm takes lawyers).
   */
  constructor(rootId: string, subtree: readonly OrganizationNode[], closedAbove: boolean) {
    const byId = new Map(subtree.map((o) => [o.id, o]));
    for (const org of subtree) {
      if (org.kind !== 'firm') continue;
      const path: string[] = [];
      let closed = closedAbove;
      for (let at: OrganizationNode | undefined = org; at; at = at.id === rootId || !at.parentId ? undefined : byId.get(at.parentId)) {
        path.unshift(at.name);
        if (at.closedAt) closed = true;
      }
      const place = { id: org.id, name: org.name, path };
      this.byName.set(org.name, [...(this.byName.get(org.name) ?? []), { place, closed }]);
      const loose = looseName(org.name);
      this.byLooseName.set(loose, [...(this.byLooseName.get(loose) ?? []), place]);
    }
  }

  lookup(name: string): FirmLookup {
    const matches = this.byName.get(name) ?? [];
    if (matches.length > 1) return { kind: 'ambiguous', firms: matches.map((m) => m.place) };
    const [match] = matches;
    if (match) return match.closed ? { kind: 'closed', firm: match.place } : { kind: 'found', firm: match.place };
    const near = this.byLooseName.get(looseName(name)) ?? [];
    return { kind: 'unknown', suggestion: near.length === 1 ? near[0]! : null };
  }
}
