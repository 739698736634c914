/**
 * Composer version constraints (`^8.1`, `~7.4`, `>=7.4 <9`, `8.1.*`,
 * `7.4 - 8.2`, `^7.4 || ^8.0`), matched against a plain version such as
 * the running PHP's `8.2.7`, with Composer's own meaning (its `~1.2` is
 * `>=1.2 <2.0`, not npm's).
 */

type Parts = number[];

function parts(v: string): Parts | null {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?/.exec(v.trim());
  if (!m) return null;
  return [m[1], m[2], m[3], m[4]].filter((x) => x !== undefined).map(Number);
}

function cmp(a: Parts, b: Parts): number {
  for (let i = 0; i < 4; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The version one step above the `index`-th part: `bump([1,2,3], 1)` -> `[1,3]`. */
function bump(p: Parts, index: number): Parts {
  const out = p.slice(0, index + 1);
  out[index] = (out[index] ?? 0) + 1;
  return out;
}

type Test = (v: Parts) => boolean;

function single(raw: string): Test | null {
  const c = raw.replace(/@\w+$/, '').replace(/-(?:dev|stable|beta\d*|alpha\d*|rc\d*)$/i, '');
  if (c === '*' || c === '') return () => true;
  const wild = /^v?(\d+(?:\.\d+)*)\.[*xX]$/.exec(c);
  if (wild) {
    const p = parts(wild[1]!)!;
    const upper = bump(p, p.length - 1);
    return (v) => cmp(v, p) >= 0 && cmp(v, upper) < 0;
  }
  const op = /^(\^|~|>=|<=|>|<|!=|==|=)?(.*)$/.exec(c)!;
  const p = parts(op[2]!);
  if (!p) return null;
  switch (op[1]) {
    case '^': {
      // The first non-zero part may not change (all given parts zero: the last one).
      let i = p.findIndex((x) => x !== 0);
      if (i < 0) i = p.length - 1;
      const upper = bump(p, i);
      return (v) => cmp(v, p) >= 0 && cmp(v, upper) < 0;
    }
    case '~': {
      const upper = bump(p, Math.max(0, p.length - 2));
      return (v) => cmp(v, p) >= 0 && cmp(v, upper) < 0;
    }
    case '>=':
      return (v) => cmp(v, p) >= 0;
    case '<=':
      return (v) => cmp(v, p) <= 0;
    case '>':
      return (v) => cmp(v, p) > 0;
    case '<':
      return (v) => cmp(v, p) < 0;
    case '!=':
      return (v) => cmp(v, p) !== 0;
    default:
      return (v) => cmp(v, p) === 0;
  }
}

/** A hyphen range `1.0 - 2.1`: the upper end inclusive of what it names (`2.1` -> `<2.2`). */
function hyphen(lo: string, hi: string): Test | null {
  const a = parts(lo);
  const b = parts(hi);
  if (!a || !b) return null;
  const upper = b.length < 3 ? bump(b, b.length - 1) : null;
  return (v) => cmp(v, a) >= 0 && (upper ? cmp(v, upper) < 0 : cmp(v, b) <= 0);
}

/**
 * Whether `version` satisfies the Composer `constraint`; null when the
 * constraint cannot be read (it is then not judged).
 *
 * @example
 * satisfiesComposer('8.2.7', '^8.1'); // true
 * satisfiesComposer('7.4.33', '>=8.0'); // false
 */
export function satisfiesComposer(version: string, constraint: string): boolean | null {
  const v = parts(version);
  if (!v) return null;
  const alternatives = constraint.trim().split(/\s*\|\|?\s*/);
  let anyReadable = false;
  for (const alt of alternatives) {
    const h = /^(\S+)\s+-\s+(\S+)$/.exec(alt.trim());
    let tests: Array<Test | null>;
    if (h) tests = [hyphen(h[1]!, h[2]!)];
    else {
      const words = alt.replace(/(\^|~|>=|<=|>|<|!=|==|=)\s+/g, '$1').split(/\s*,\s*|\s+/).filter(Boolean);
      tests = words.map(single);
    }
    if (tests.length === 0 || tests.some((t) => t === null)) continue;
    anyReadable = true;
    if (tests.every((t) => t!(v))) return true;
  }
  return anyReadable ? false : null;
}
