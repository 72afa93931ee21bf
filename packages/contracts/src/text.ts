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
 */
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/u;
/** The same, with at least one character that is not white space (names). */
const VISIBLE_WITHOUT_CONTROL_CHARACTERS =
  /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029][^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/u;
/**
 * The same rule as isWellFormed, as a pattern for the JSON Schema and OpenAPI
 * documents: with the `u` flag (ECMA-262, as JSON Schema specifies) U+D800–U+DFFF
 * matches only a lone surrogate, a proper pair being one code point above U+FFFF.
 * A pattern of its own, because validators whose strings cannot hold a lone
 * surrogate (Rust's, Python's Schemathesis) cannot compile it and drop it: the
 * control-character pattern must not be dropped with it.
 */
const NO_LONE_SURROGATES = /^[^\ud800-\udfff]*$/u;

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

/**
 * A string that is well-formed UTF-16, free of control characters, and of bounded length.
 *
 * In the JSON Schema and OpenAPI documents: a field with a shape of its own
 * (ASCII ids) says only that shape, which refuses both already; free text says
 * both rules as patterns, at most two, so that generators (Schemathesis) need
 * not filter what they draw against several overlapping ones.
 */
export function textSchema(options: TextOptions) {
  // Each rule aborts on failure, so a field gets the one message that names its problem.
  let schema = z
    .string()
    .refine((value) => value.isWellFormed(), { message: ILL_FORMED_MESSAGE, abort: true })
    .refine((value) => NO_CONTROL_CHARACTERS.test(value), { message: CONTROL_CHARACTER_MESSAGE, abort: true });
  if (options.visible) schema = schema.refine((value) => /\S/u.test(value), { message: 'must contain a visible character', abort: true });
  schema = schema.max(options.maxLength, { message: `must be at most ${options.maxLength} characters`, abort: true });
  if (options.minLength) {
    schema = schema.min(options.minLength, {
      message: options.minLength === 1 ? 'must not be empty' : `must be at least ${options.minLength} characters`,
      abort: true,
    });
  }
  if (options.pattern) return schema.regex(options.pattern.regex, options.pattern.message);
  // The refinements above said it in code; these patterns say it in the documents (and fail for nothing they let pass).
  return schema
    .regex(NO_LONE_SURROGATES, ILL_FORMED_MESSAGE)
    .regex(options.visible ? VISIBLE_WITHOUT_CONTROL_CHARACTERS : NO_CONTROL_CHARACTERS, CONTROL_CHARACTER_MESSAGE);
}

/** True for text every field accepts (well-formed, no control characters): for values that are stored but not refused, like an event id. */
export function isCleanText(value: string): boolean {
  return value.isWellFormed() && NO_CONTROL_CHARACTERS.test(value);
}
