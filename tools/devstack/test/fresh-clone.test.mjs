// The fresh-clone rule: `npm start` on a clone without node_modules runs
// scripts/orderflow.mjs, which runs `npm ci`. So it, tools/devstack/stack.mjs and
// everything they import up front (static imports, followed through) may import
// only Node's built-ins (node:...) and relative .mjs modules; the pieces and
// packages come in later with import().
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ENTRY_POINTS = ['scripts/orderflow.mjs', 'tools/devstack/stack.mjs'];

/** The specifiers of a module's static imports and re-exports (not import()). */
export function staticImports(text) {
  // Line comments first: one may hold a `/*` (pieces/*.mjs) that is no block comment.
  const code = text.replace(/^\s*\/\/.*$/gm, '').replace(/^\s*\/\*[\s\S]*?\*\//gm, '');
  return [
    ...[...code.matchAll(/^\s*(?:import|export)\s[^;]*?\bfrom\s*['"]([^'"]+)['"]/gm)].map((m) => m[1]),
    ...[...code.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)].map((m) => m[1]),
  ];
}

/** Every module reached from `entries` by static imports, with what each imports that breaks the rule. */
function walk(entries) {
  const seen = new Set();
  const offences = [];
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of staticImports(fs.readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('node:')) continue;
      const relative = path.relative(ROOT, file);
      if (!specifier.startsWith('./') && !specifier.startsWith('../')) {
        offences.push(`${relative} imports ${specifier}`);
        continue;
      }
      const target = path.resolve(path.dirname(file), specifier);
      if (!target.endsWith('.mjs') || !fs.existsSync(target)) {
        offences.push(`${relative} imports ${specifier}, not a Node .mjs module that is there`);
        continue;
      }
      visit(target);
    }
  };
  for (const entry of entries) visit(path.join(ROOT, entry));
  return { seen, offences };
}

describe('the fresh-clone rule', () => {
  it('the import scanner finds static imports and re-exports, one per line or over several, and skips import() and comments', () => {
    const text = [
      "import fs from 'node:fs';",
      "import {\n  a,\n  b,\n} from './a.mjs';",
      "export { c } from \"../c.mjs\";",
      "import 'side-effect';",
      "// import x from 'commented'; the pieces (pieces/*.mjs) come later",
      "import { d } from './d.mjs';",
      "const later = await import('kafkajs');",
    ].join('\n');
    assert.deepEqual(staticImports(text), ['node:fs', './a.mjs', '../c.mjs', './d.mjs', 'side-effect']);
  });

  it('scripts/orderflow.mjs, tools/devstack/stack.mjs and what they import up front import only node: built-ins and relative .mjs modules', () => {
    const { seen, offences } = walk(ENTRY_POINTS);
    assert.ok(seen.size >= 8, `only ${seen.size} modules reached: is the scanner still following imports?`);
    assert.deepEqual(offences, [], 'import it with import() where it is used, once npm ci has run');
  });
});
