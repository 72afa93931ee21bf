// Writes the JSON Schema of each published event from its zod schema in
// packages/contracts (the one source). Run after changing an event:
//   npm run build && node scripts/generate-contracts.mjs
// packages/contracts/test/event-schemas.test.ts fails while the file is stale.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT } from '../tools/devstack/lib/settings.mjs';

const require = createRequire(import.meta.url);
const { z } = require('zod');
const contracts = require(path.join(ROOT, 'packages/contracts/dist/index.js'));

const outputs = {
  'payment.confirmed.v1.schema.json': contracts.paymentConfirmedSchema,
};
for (const [file, schema] of Object.entries(outputs)) {
  const target = path.join(ROOT, 'packages/contracts/schemas', file);
  fs.writeFileSync(target, `${JSON.stringify(z.toJSONSchema(schema, { target: 'draft-2020-12' }), null, 2)}\n`);
  process.stdout.write(`wrote ${path.relative(ROOT, target)}\n`);
}
