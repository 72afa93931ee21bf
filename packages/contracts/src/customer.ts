import { z } from 'zod';

// Customer-supplied text ends up in e-mail headers and HTML: no control
// characters at all (CR/LF would allow header injection), bounded length.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export const personNameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .refine((value) => !CONTROL_CHARACTERS.test(value), { message: 'must not contain control characters or line breaks' });

export const customerIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9._:-]+$/, 'may contain only letters, digits and . _ : -');

// zod's e-mail check follows the HTML spec's practical pattern: no spaces,
// no CR/LF, no quoted local parts.
export const emailSchema = z.email('must be a valid e-mail address').max(254, 'must be at most 254 characters');

export const customerSchema = z.strictObject({
  id: customerIdSchema,
  firstName: personNameSchema,
  lastName: personNameSchema,
  email: emailSchema,
});

export type Customer = z.infer<typeof customerSchema>;
