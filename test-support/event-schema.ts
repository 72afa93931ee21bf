// Validates event data against the committed JSON Schema file: the document
// other languages build against, not our zod code.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import schema from '../packages/contracts/schemas/payment.confirmed.v1.schema.json';

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);

/** The schema violations of `data` (empty when it conforms). */
export function validatePaymentConfirmed(data: unknown): string[] {
  if (validate(data)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '(root)'} ${error.message ?? ''}`.trim());
}
