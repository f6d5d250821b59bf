/**
 * Text from the input (a source line, a file name, a name read from an exported object) as a terminal may
 * print it: control characters (an escape sequence would clear the screen or retitle the window of whoever
 * reads the output, a CI log included) become their visible stand-ins, and bidirectional overrides (which can
 * make a line read differently from what the parser sees) become U+FFFD. One character for one, so carets stay
 * under the characters they mark; a tab becomes a space for the same reason. With `keepNewlines`, line breaks
 * (LF) stay: for a whole report of several lines.
 */
export function printable(s: string, keepNewlines = false): string {
  if (!UNPRINTABLE.test(s)) return s;
  return s.replace(UNPRINTABLE_ALL, (c) => (keepNewlines && c === '\n' ? c : visible(c)));
}

const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const UNPRINTABLE_ALL = new RegExp(UNPRINTABLE.source, 'g');

function visible(c: string): string {
  const code = c.charCodeAt(0);
  if (code === 9) return ' ';
  // U+2400-241F: the control pictures, one per C0 character (␛ for escape), and ␡ for DEL.
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return '\ufffd';
}

/** A code point as Unicode names it in prose: `U+0001`, `U+00A0`, `U+1F600`. */
export function codePointName(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}
