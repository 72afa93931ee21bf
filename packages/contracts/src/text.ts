// The one rule for text that enters from outside (bodies, query parameters,
// headers, events, token claims): every string field of every contract is
// built here, so the three services refuse the same strings with the same words.
import { z } from 'zod';

// ES2024 (Node.js 20 has both); the project's TypeScript lib is ES2022.
declare global {
  interface String {
    isWellFormed(): boolean;
    toWellFormed(): string;
  }
}

/**
 * Characters no field of ours takes: C0 (U+0000–U+001F, so NUL, TAB, CR and LF
 * too), DEL and C1 (U+007F–U+009F), and the Unicode line and paragraph
 * separators. None of our fields legitimately needs one: every text we take is
 * a single line (names, product names, ids, keys), NUL cannot be stored in
 * PostgreSQL, and a line break in a name would inject e-mail headers.
 * U+D800–U+DFFF: with the `u` flag these are lone surrogates only (a proper
 * pair is one code point above U+FFFF), so the published JSON Schema pattern
 * refuses ill-formed UTF-16 too.
 */
const FORBIDDEN = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\ud800-\\udfff';
const NO_CONTROL_CHARACTERS = new RegExp(`^[^${FORBIDDEN}]*$`, 'u');

export const ILL_FORMED_MESSAGE = 'is not well-formed Unicode: it holds a lone surrogate (half of a UTF-16 pair)';
export const CONTROL_CHARACTER_MESSAGE = 'must not contain control characters (NUL, tabs, line breaks and the like)';

export interface TextOptions {
  maxLength: number;
  /** Default 0; 1 for a required id. */
  minLength?: number;
  /** At least one character that is not white space (names). */
  visible?: boolean;
  /** The field's own shape (e.g. ASCII-only ids), checked after the rules every text obeys. */
  pattern?: { regex: RegExp; message: string };
}

/** A string that is well-formed UTF-16, free of control characters, and of bounded length. */
export function textSchema(options: TextOptions) {
  // Each rule aborts on failure, so a field gets the one message that names its problem.
  let schema = z
    .string()
    .refine((value) => value.isWellFormed(), { message: ILL_FORMED_MESSAGE, abort: true })
    .regex(NO_CONTROL_CHARACTERS, { message: CONTROL_CHARACTER_MESSAGE, abort: true })
    .max(options.maxLength, { message: `must be at most ${options.maxLength} characters`, abort: true });
  if (options.minLength) {
    schema = schema.min(options.minLength, {
      message: options.minLength === 1 ? 'must not be empty' : `must be at least ${options.minLength} characters`,
      abort: true,
    });
  }
  if (options.visible) schema = schema.regex(/\S/u, { message: 'must contain a visible character', abort: true });
  if (options.pattern) schema = schema.regex(options.pattern.regex, options.pattern.message);
  return schema;
}

/** True for text every field accepts (well-formed, no control characters): for values that are stored but not refused, like an event id. */
export function isCleanText(value: string): boolean {
  return value.isWellFormed() && NO_CONTROL_CHARACTERS.test(value);
}
