// Strings as a hostile or broken client writes them, for property tests
// (fast-check) at every edge where text enters: lone surrogates (legal in JSON),
// NUL, C0 and C1 controls, line separators, and ordinary text between.
import fc from 'fast-check';

const NASTY = ['\ud800', '\udbff', '\udc00', '\udfff', '\u0000', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u009f', '\u2028', '\u2029'];

/** Any UTF-16 string, biased towards what breaks things. */
export const hostileText = fc.string({
  unit: fc.oneof(
    fc.constantFrom(...NASTY),
    fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
    fc.constantFrom('a', 'Z', '7', '.', '-', '@', 'é', '😀'),
  ),
  maxLength: 40,
});

/**
 * What an HTTP header can carry at all (Node's client and parser refuse the rest):
 * TAB, printable ASCII, and the bytes 0x80–0xFF read as Latin-1, C1 controls included.
 */
export const hostileHeaderText = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\t', '\u0080', '\u0085', '\u009f', '\u00ff', ' '),
    fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
    fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)),
  ),
  minLength: 1,
  maxLength: 40,
});

/**
 * Percent-encodes every UTF-16 unit of `text` as UTF-8 bytes, a lone surrogate
 * too (as the three bytes a sloppy encoder writes, ED A0 80 for U+D800), so a
 * query string or path can carry what encodeURIComponent refuses to write.
 */
export function percentEncode(text: string): string {
  let encoded = '';
  for (const character of text) {
    const code = character.codePointAt(0)!;
    const bytes =
      code >= 0xd800 && code <= 0xdfff
        ? [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        : [...Buffer.from(character, 'utf8')];
    encoded += bytes.map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return encoded;
}
