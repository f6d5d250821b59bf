/**
 * Why Rust's `regex` crate (regex-syntax 0.8, as linkerd2's policy controller links it: regex 1.10 in 2.16,
 * 1.13 in edge-26.8) refuses a pattern, or undefined when it parses it or when the pattern uses something this
 * model does not follow. Linkerd's admission webhook parses every `RegularExpression` path, header and query
 * value with `str::parse::<regex::Regex>()`, so a pattern RE2 takes but Rust refuses is a refused route.
 *
 * What is modelled, exactly: escapes (backreferences `\1`, unknown letter escapes such as `\Q`, `\E`, `\C`,
 * `\Z`, `\k`, `\e`, non-ASCII escapes, malformed `\x` / `\u` / `\U`, assertions inside a class), groups
 * (look-around, flags, capture names, unopened and unclosed groups), repetition operators without an
 * expression, counted repetitions (`{` is never a literal in Rust: `a{`, `{id}`, `{,5}`), and classes without
 * nesting or set operators (ranges, unclosed classes).
 * Left out, returning undefined (never a refusal): the `x` flag, a negated `u` flag, nested classes and class
 * set operators (`[`, `&&`, `--`, `~~` inside a class), Unicode property names, and the compiled size and
 * nesting limits (a pattern such as `\w{1000}` exceeds the 10 MiB default size limit).
 */

const GIVE_UP = Symbol('not modelled');
type Outcome = string | typeof GIVE_UP | undefined;

class Fail {
  readonly outcome: string | typeof GIVE_UP;
  constructor(outcome: string | typeof GIVE_UP) {
    this.outcome = outcome;
  }
}

const FLAGS = new Set(['i', 'm', 's', 'U', 'u', 'R', 'x']);
const SIMPLE_ESCAPES: Record<string, number | 'class' | 'assertion'> = {
  a: 7,
  f: 12,
  t: 9,
  n: 10,
  r: 13,
  v: 11,
  d: 'class',
  D: 'class',
  s: 'class',
  S: 'class',
  w: 'class',
  W: 'class',
  b: 'assertion',
  B: 'assertion',
  A: 'assertion',
  z: 'assertion',
  '<': 'assertion',
  '>': 'assertion',
};
const WORD_BOUNDARIES = new Set(['start', 'end', 'start-half', 'end-half']);
const isHex = (c: string | undefined) => c !== undefined && /^[0-9A-Fa-f]$/.test(c);
const isAsciiAlnum = (c: string) => /^[0-9A-Za-z]$/.test(c);

/** The reason Rust's regex parser refuses `pattern`, or undefined (parsed, or outside the model). */
export function rustRegexError(pattern: string): string | undefined {
  const out = parse([...pattern]);
  return out === GIVE_UP ? undefined : out;
}

function parse(p: readonly string[]): Outcome {
  let i = 0;
  const groups: number[] = [];
  const names = new Set<string>();
  /** Whether a repetition operator here has an expression to repeat. */
  let canRepeat = false;
  const fail = (why: string | typeof GIVE_UP): never => {
    throw new Fail(why);
  };

  /** An escape at p[i] === '\\'; returns the literal code point, or 'class' / 'assertion'. */
  const escape = (inClass: boolean): number | 'class' | 'assertion' => {
    const c = p[i + 1];
    if (c === undefined) fail('incomplete escape sequence, reached end of pattern prematurely');
    const d = c!;
    if (/^[0-9]$/.test(d)) fail('backreferences are not supported');
    if (d === 'x' || d === 'u' || d === 'U') {
      const width = d === 'x' ? 2 : d === 'u' ? 4 : 8;
      let j = i + 2;
      let hex = '';
      if (p[j] === '{') {
        j++;
        while (j < p.length && p[j] !== '}') {
          if (!isHex(p[j])) fail('invalid hexadecimal digit');
          hex += p[j];
          j++;
        }
        if (j >= p.length) fail('incomplete escape sequence, reached end of pattern prematurely');
        if (!hex.length) fail('hexadecimal literal empty');
        j++;
      } else {
        for (let k = 0; k < width; k++, j++) {
          if (p[j] === undefined) fail('incomplete escape sequence, reached end of pattern prematurely');
          if (!isHex(p[j])) fail('invalid hexadecimal digit');
          hex += p[j];
        }
      }
      const value = hex.length > 8 ? Infinity : parseInt(hex, 16);
      if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))
        fail('hexadecimal literal is not a Unicode scalar value');
      i = j;
      return value;
    }
    if (d === 'p' || d === 'P') {
      let j = i + 2;
      if (p[j] === undefined) fail('incomplete escape sequence, reached end of pattern prematurely');
      if (p[j] === '{') {
        while (j < p.length && p[j] !== '}') j++;
        if (j >= p.length) fail('incomplete escape sequence, reached end of pattern prematurely');
      }
      // The property name is not checked (Unicode tables): neither refused nor vouched for.
      i = j + 1;
      return 'class';
    }
    if (d === 'b' && p[i + 2] === '{' && /^[A-Za-z-]$/.test(p[i + 3] ?? '')) {
      let j = i + 3;
      let name = '';
      while (j < p.length && /^[A-Za-z-]$/.test(p[j]!)) name += p[j++];
      if (p[j] !== '}') fail(GIVE_UP);
      if (!WORD_BOUNDARIES.has(name))
        fail(
          'unrecognized special word boundary assertion, valid choices are: start, end, start-half or end-half',
        );
      if (inClass) fail('invalid escape sequence found in character class');
      i = j + 1;
      return 'assertion';
    }
    const simple = SIMPLE_ESCAPES[d];
    if (simple !== undefined) {
      if (simple === 'assertion' && inClass) fail('invalid escape sequence found in character class');
      i += 2;
      return simple;
    }
    if (d.length > 1 || d.codePointAt(0)! > 0x7f || isAsciiAlnum(d)) fail('unrecognized escape sequence');
    // Any other ASCII character that is not a letter or digit may be escaped: it is itself.
    i += 2;
    return d.codePointAt(0)!;
  };

  /** A class at p[i] === '['. */
  const klass = (): void => {
    i++;
    if (p[i] === '^') i++;
    let first = true;
    for (;;) {
      const c = p[i];
      if (c === undefined) fail('unclosed character class');
      if (c === ']' && !first) {
        i++;
        return;
      }
      if (c === '[') fail(GIVE_UP);
      const pair = c! + (p[i + 1] ?? '');
      if (!first && (pair === '&&' || pair === '--' || pair === '~~')) fail(GIVE_UP);
      first = false;
      const start = atom();
      if (p[i] === '-' && p[i + 1] !== undefined && p[i + 1] !== ']') {
        if (p[i + 1] === '-') fail(GIVE_UP);
        i++;
        const end = atom();
        if (typeof start !== 'number' || typeof end !== 'number')
          fail('invalid range boundary, must be a literal');
        if ((start as number) > (end as number))
          fail('invalid character class range, the start must be <= the end');
      }
    }
  };
  const atom = (): number | 'class' | 'assertion' => {
    if (p[i] === '\\') return escape(true);
    return p[i++]!.codePointAt(0)!;
  };

  const counted = (): void => {
    // p[i] === '{'
    let j = i + 1;
    const space = () => {
      while (p[j] !== undefined && /^\s$/.test(p[j]!)) j++;
    };
    const decimal = (): number => {
      space();
      let digits = '';
      while (p[j] !== undefined && /^[0-9]$/.test(p[j]!)) digits += p[j++];
      if (!digits.length) {
        if (j >= p.length) fail('unclosed counted repetition');
        fail('repetition quantifier expects a valid decimal');
      }
      const n = Number(digits);
      if (n > 0xffffffff) fail('decimal literal invalid');
      space();
      return n;
    };
    const min = decimal();
    let max = min;
    if (p[j] === ',') {
      j++;
      space();
      max = p[j] === '}' ? Infinity : decimal();
    }
    if (p[j] === undefined) fail('unclosed counted repetition');
    if (p[j] !== '}') fail('invalid repetition count range, expected `}`');
    if (min > max) fail('invalid repetition count range, the start must be <= the end');
    i = j + 1;
  };

  const group = (): void => {
    // p[i] === '('
    if (p[i + 1] !== '?') {
      groups.push(i);
      i++;
      canRepeat = false;
      return;
    }
    const rest = p.slice(i + 2, i + 4).join('');
    if (rest.startsWith('=') || rest.startsWith('!') || rest === '<=' || rest === '<!')
      fail('look-around, including look-ahead and look-behind, is not supported');
    if (p[i + 2] === '<' || (p[i + 2] === 'P' && p[i + 3] === '<')) {
      let j = i + (p[i + 2] === '<' ? 3 : 4);
      let name = '';
      while (j < p.length && p[j] !== '>') name += p[j++];
      if (j >= p.length) fail('unclosed capture group name');
      if (!name.length) fail('empty capture group name');
      if (/[^\x00-\x7f]/.test(name)) fail(GIVE_UP);
      if (!/^[A-Za-z_][A-Za-z0-9_.[\]]*$/.test(name)) fail('invalid capture group character');
      if (names.has(name)) fail('duplicate capture group name');
      names.add(name);
      groups.push(i);
      i = j + 1;
      canRepeat = false;
      return;
    }
    let j = i + 2;
    const seen = new Set<string>();
    let negated = false;
    let lastWasDash = false;
    let any = false;
    for (;;) {
      const c = p[j];
      if (c === undefined) fail('expected flag but got end of regex');
      if (c === ':' || c === ')') {
        if (lastWasDash) fail('dangling flag negation operator');
        if (c === ')' && !any) fail('repetition operator missing expression');
        break;
      }
      if (c === '-') {
        if (negated) fail('repeated negation');
        negated = true;
        lastWasDash = true;
        any = true;
        j++;
        continue;
      }
      if (!FLAGS.has(c!)) fail('unrecognized flag');
      if (seen.has(c!)) fail('duplicate flag');
      if (c === 'x' || (c === 'u' && negated)) fail(GIVE_UP);
      seen.add(c!);
      lastWasDash = false;
      any = true;
      j++;
    }
    if (p[j] === ':') groups.push(i);
    i = j + 1;
    canRepeat = false;
  };

  try {
    while (i < p.length) {
      const c = p[i]!;
      switch (c) {
        case '\\':
          escape(false);
          canRepeat = true;
          break;
        case '(':
          group();
          break;
        case ')':
          if (!groups.length) fail('unopened group');
          groups.pop();
          i++;
          canRepeat = true;
          break;
        case '|':
          i++;
          canRepeat = false;
          break;
        case '[':
          klass();
          canRepeat = true;
          break;
        case '*':
        case '+':
        case '?':
          if (!canRepeat) fail('repetition operator missing expression');
          i++;
          if (p[i] === '?') i++;
          break;
        case '{':
          if (!canRepeat) fail('repetition operator missing expression');
          counted();
          if (p[i] === '?') i++;
          break;
        default:
          i++;
          canRepeat = true;
      }
    }
    if (groups.length) fail('unclosed group');
    return undefined;
  } catch (e) {
    if (e instanceof Fail) return e.outcome;
    throw e;
  }
}
