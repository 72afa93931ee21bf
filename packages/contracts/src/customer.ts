import { z } from 'zod';
import { textSchema } from './text';

/**
 * Customer-supplied free text ends up in e-mail headers and HTML: well-formed,
 * no control characters or line breaks (textSchema), at least one visible
 * character, bounded length.
 */
export function safeTextSchema(maxLength: number) {
  return textSchema({ maxLength, visible: true });
}

export const personNameSchema = safeTextSchema(100);

export const customerIdSchema = textSchema({
  minLength: 1,
  maxLength: 64,
  pattern: { regex: /^[A-Za-z0-9._:-]+$/, message: 'may contain only letters, digits and . _ : -' },
});

// zod's e-mail check follows the HTML spec's practical pattern: no spaces,
// no CR/LF, no quoted local parts.
// A pattern rather than z.email(): the documents then carry no `format: email`,
// which other validators read more strictly than this pattern.
export const emailSchema = textSchema({
  maxLength: 254,
  pattern: { regex: z.regexes.email, message: 'must be a valid e-mail address' },
}).regex(/^(?![^@]{65})/, 'must have at most 64 characters before the @ (RFC 5321)');

export const customerSchema = z.strictObject({
  id: customerIdSchema,
  firstName: personNameSchema,
  lastName: personNameSchema,
  email: emailSchema,
});

export type Customer = z.infer<typeof customerSchema>;
