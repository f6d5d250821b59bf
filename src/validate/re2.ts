import { RE2JS } from 're2js';

/**
 * Why `pattern` does not compile as an RE2 regular expression (the syntax of Istio/Envoy's `safe_regex`,
 * of Linkerd's policy controller and of Go), or undefined when it compiles. Lookarounds and backreferences
 * are not RE2; `(?i)` and `(?P<name>…)` are.
 */
export function re2Error(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    return text.replace(/^error parsing regexp: /, '');
  }
}

/** A compiled RE2 expression with the `test` of a RegExp: matching runs in time linear in the input. */
export interface Re2Like {
  test(s: string): boolean;
  /** ajv keys its compiled patterns by this text: it must differ between patterns. */
  toString(): string;
}

/**
 * A RegExp-like RE2 matcher for ajv's `code.regExp` option: ajv calls it with a JSON Schema `pattern` and
 * the flags `u`, then `test`s strings (a `pattern` matches anywhere unless anchored). Throws when the
 * pattern is not RE2, which ajv reports as a schema that cannot be compiled.
 */
export function re2RegExp(pattern: string, _flags?: string): Re2Like {
  const re = RE2JS.compile(pattern);
  // A policy tests the same few values (a timeout, a mode, a host) on every service of every environment,
  // and a match depends on the string alone: answers are kept (for strings up to a size, up to a count).
  const answers = new Map<string, boolean>();
  return {
    test: (s: string) => {
      let found = answers.get(s);
      if (found === undefined) {
        found = re.matcher(s).find();
        if (answers.size < MAX_ANSWERS && s.length <= MAX_KEPT_LENGTH) answers.set(s, found);
      }
      return found;
    },
    toString: () => `re2:${pattern}`,
  };
}

/** Answers kept per pattern, and the longest string kept (see re2RegExp). */
const MAX_ANSWERS = 10_000;
const MAX_KEPT_LENGTH = 256;
re2RegExp.code = 're2RegExp';

/**
 * re2RegExp compiling on first `test`: for patterns known to compile (the meta-schema's, in
 * policy-meta.gen.ts), so that loading the precompiled validator does not pay for RE2's first compilation
 * (tens of milliseconds) in a run that never tests them.
 */
export function re2RegExpLazy(pattern: string, _flags?: string): Re2Like {
  let re: Re2Like | undefined;
  return {
    test: (s: string) => (re ??= re2RegExp(pattern)).test(s),
    toString: () => `re2:${pattern}`,
  };
}
