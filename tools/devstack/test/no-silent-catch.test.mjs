// No error is swallowed silently in the dev platform (tools/devstack), its entry
// points (scripts/) or the bench (tools/bench), which runs on it. A permitted catch names its error and does something with it:
//
//   catch (error) { if (isMissing(error)) return {}; throw error; }     narrows: expected case, else rethrow
//   catch (error) { info(`could not remove ${dir}: ${error.message}`); } reports it
//   catch (error) { throw new SetupError(`... ${error.message}`); }      turns it into a clearer one
//   promise.catch((error) => warn('...', error))                         the same, for a promise
//   promise.catch(reject) / .catch(exitWithError)                        hands it on
//
// Refused: `catch {`, `.catch(() => ...)`, and a catch whose body neither
// mentions its error nor throws. lib/errors.mjs names the expected cases
// (isMissing, isGone, isNoAnswer).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const DEVSTACK = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = path.resolve(DEVSTACK, '../..');

function sources() {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(full);
      else if (entry.isFile() && entry.name.endsWith('.mjs') && full !== fileURLToPath(import.meta.url)) found.push(full);
    }
  };
  walk(DEVSTACK);
  walk(path.join(ROOT, 'scripts'));
  walk(path.join(ROOT, 'tools', 'bench'));
  return found;
}

/** The text from `open` (an opening bracket) to its partner, brackets inside counted. */
function balanced(text, open) {
  const pairs = { '{': '}', '(': ')' };
  const closing = pairs[text[open]];
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    if (text[i] === text[open]) depth += 1;
    else if (text[i] === closing && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1);
}

const mentions = (body, name) => new RegExp(`\\b${name}\\b`).test(body);

/** Every silent catch in `text`: [line, what] pairs. */
export function silentCatches(text) {
  const found = [];
  const lineOf = (index) => text.slice(0, index).split('\n').length;
  for (const match of text.matchAll(/\bcatch\s*(\(\s*(\w+)\s*\))?\s*\{/g)) {
    if (text[match.index - 1] === '.') continue;
    if (!match[2]) {
      found.push([lineOf(match.index), 'catch without a name for the error']);
      continue;
    }
    const body = balanced(text, match.index + match[0].length - 1);
    if (!mentions(body, match[2]) && !/\bthrow\b/.test(body)) found.push([lineOf(match.index), `catch (${match[2]}) that neither uses nor throws it`]);
  }
  for (const match of text.matchAll(/\.catch\(\s*(?:async\s*)?(?:\(\s*(\w*)\s*\)|(\w+))\s*=>/g)) {
    const name = match[1] ?? match[2];
    if (!name) {
      found.push([lineOf(match.index), '.catch(() => ...) drops the error']);
      continue;
    }
    const body = balanced(text, match.index + '.catch'.length);
    const afterArrow = body.slice(body.indexOf('=>') + 2);
    if (!mentions(afterArrow, name) && !/\bthrow\b/.test(afterArrow)) found.push([lineOf(match.index), `.catch((${name}) => ...) that neither uses nor throws it`]);
  }
  return found;
}

describe('catches in the dev platform', () => {
  it('the scanner finds the silent forms, and lets the permitted ones pass', () => {
    assert.equal(silentCatches('try { a(); } catch { }').length, 1);
    assert.equal(silentCatches('try { a(); } catch (error) { return false; }').length, 1);
    assert.equal(silentCatches('p.catch(() => {});').length, 1);
    assert.equal(silentCatches('p.catch((e) => false);').length, 1);
    assert.equal(silentCatches('try { a(); } catch (error) { if (isMissing(error)) return {}; throw error; }').length, 0);
    assert.equal(silentCatches('try { a(); } catch (error) { info(`no: ${error.message}`); }').length, 0);
    assert.equal(silentCatches('p.catch((error) => info(error.message)); p.catch(reject);').length, 0);
  });

  it('no module of tools/devstack, scripts/ or tools/bench swallows an error', () => {
    const offenders = [];
    for (const file of sources()) {
      for (const [line, what] of silentCatches(fs.readFileSync(file, 'utf8'))) offenders.push(`${path.relative(ROOT, file)}:${line}: ${what}`);
    }
    assert.deepEqual(offenders, [], 'narrow the catch (check the error, rethrow the rest) or report the error');
  });
});
