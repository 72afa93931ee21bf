import { z } from 'zod';

/**
 * Customer-supplied text ends up in e-mail headers and HTML: no control
 * characters at all (C0, DEL, C1, and the Unicode line and paragraph
 * separators: a line break would allow header injection), at least one visible
 * character, bounded length. A pattern, not code, so the JSON Schema and
 * OpenAPI documents say exactly the same.
 */
export const SAFE_TEXT_PATTERN = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029][^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/;

export function safeTextSchema(maxLength: number) {
  return z
    .string()
    .max(maxLength, `must be at most ${maxLength} characters`)
    .regex(SAFE_TEXT_PATTERN, 'must contain a visible character and no control characters or line breaks');
}

export const personNameSchema = safeTextSchema(100);

export const customerIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9._:-]+$/, 'may contain only letters, digits and . _ : -');

// zod's e-mail check follows the HTML spec's practical pattern: no spaces,
// no CR/LF, no quoted local parts.
export const emailSchema = z
  .email('must be a valid e-mail address')
  .max(254, 'must be at most 254 characters')
  .regex(/^(?![^@]{65})/, 'must have at most 64 characters before the @ (RFC 5321)');

export const customerSchema = z.strictObject({
  id: customerIdSchema,
  firstName: personNameSchema,
  lastName: personNameSchema,
  email: emailSchema,
});

export type Customer = z.infer<typeof customerSchema>;
