import type { z } from 'zod';
import { AppError, type FieldError } from './errors';

/** `['items', 0, 'quantity']` → `items[0].quantity`. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let result = '';
  for (const segment of path) {
    if (typeof segment === 'number') result += `[${segment}]`;
    else result += result ? `.${String(segment)}` : String(segment);
  }
  return result;
}

export function fieldErrorsOf(error: z.ZodError, prefix = ''): FieldError[] {
  const found: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      // One entry per unknown field, so a client sees each name.
      for (const key of issue.keys) {
        found.push({ field: joinPath(prefix, fieldPath([...issue.path, key])), message: 'is not a known field' });
      }
      continue;
    }
    const field = joinPath(prefix, fieldPath(issue.path));
    found.push({ field: field || '(body)', message: describeIssue(issue) });
  }
  return found;
}

function joinPath(prefix: string, path: string): string {
  if (!prefix) return path;
  if (!path) return prefix;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'is required';
    return `must be ${issue.expected === 'int' ? 'an integer' : `of type ${issue.expected}`}`;
  }
  return issue.message;
}

/**
 * Parses untrusted input with a schema; on failure throws `invalid_data`
 * naming every bad field. `where` prefixes the field names (e.g. "query").
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where = ''): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors = fieldErrorsOf(result.error, where);
  throw new AppError('invalid_data', {
    detail: `${errors.length} field${errors.length === 1 ? '' : 's'} ${errors.length === 1 ? 'is' : 'are'} not valid: ${errors
      .map((e) => e.field)
      .join(', ')}`,
    errors,
  });
}
