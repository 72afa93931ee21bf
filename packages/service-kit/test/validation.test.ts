import { z } from 'zod';
import { AppError } from '../src/errors';
import { fieldPath, parseInput } from '../src/validation';

describe('parseInput', () => {
  const schema = z.strictObject({
    items: z.array(z.strictObject({ quantity: z.int().min(1) })),
    name: z.string(),
  });

  it('names each bad field with its path', () => {
    let caught: unknown;
    try {
      parseInput(schema, { items: [{ quantity: 1 }, { quantity: 0 }], extra: true });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    const error = caught as AppError;
    expect(error.status).toBe(400);
    expect(error.errors?.map((e) => e.field).sort()).toEqual(['extra', 'items[1].quantity', 'name']);
    expect(error.errors?.find((e) => e.field === 'name')?.message).toBe('is required');
  });

  it('writes paths the way a JavaScript reader would', () => {
    expect(fieldPath(['items', 0, 'unitPrice'])).toBe('items[0].unitPrice');
    expect(fieldPath(['customer', 'email'])).toBe('customer.email');
  });
});
