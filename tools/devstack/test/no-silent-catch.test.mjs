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

/**
 * `text` with its comments blanked out (same length, lines kept), so that a
 * comment naming the error does not count as using it. Strings and template
 * literals are skipped whole, so a `//` inside a URL is no comment.
 */
export function withoutComments(text) {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

const mentions = (body, name) => new RegExp(`\\b${name}\\b`).test(body);

/** Names of functions that do nothing and are handed a rejection: the error ends there. */
const SWALLOWERS = /^(?:noop|ignore|ignored?Error|nothing|swallow|_)$/i;

/** Every silent catch in `text`: [line, what] pairs. */
export function silentCatches(source) {
  const text = withoutComments(source);
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
  for (const match of text.matchAll(/\.catch\(\s*(?:async\s*)?function\b[^(]*\(\s*(\w*)\s*\)\s*\{/g)) {
    const name = match[1];
    const body = balanced(text, match.index + match[0].length - 1);
    if (!name || (!mentions(body, name) && !/\bthrow\b/.test(body))) found.push([lineOf(match.index), '.catch(function ...) that drops the error']);
  }
  for (const match of text.matchAll(/\.catch\(\s*([\w$]+)\s*\)/g)) {
    if (SWALLOWERS.test(match[1])) found.push([lineOf(match.index), `.catch(${match[1]}) drops the error`]);
  }
  // .then(onFulfilled, onRejected): the second handler is a catch too.
  for (const match of text.matchAll(/\.then\(/g)) {
    const args = balanced(text, match.index + '.then'.length);
    const rejected = secondArgument(args);
    if (rejected === undefined) continue;
    const arrow = rejected.match(/^(?:async\s*)?(?:\(\s*(\w*)\s*\)|(\w+))\s*=>([\s\S]*)$/);
    const fn = rejected.match(/^(?:async\s*)?function\b[^(]*\(\s*(\w*)\s*\)([\s\S]*)$/);
    const [name, body] = arrow ? [arrow[1] ?? arrow[2], arrow[3]] : fn ? [fn[1], fn[2]] : [undefined, undefined];
    if (arrow || fn) {
      if (!name || (!mentions(body, name) && !/\bthrow\b/.test(body))) found.push([lineOf(match.index), '.then(..., handler) whose rejection handler drops the error']);
    } else if (SWALLOWERS.test(rejected)) {
      found.push([lineOf(match.index), `.then(..., ${rejected}) drops the error`]);
    }
  }
  return found;
}

/** The second top-level argument of a call's argument text, trimmed (undefined when there is none). */
function secondArgument(args) {
  let depth = 0;
  for (let i = 0; i < args.length; i += 1) {
    if ('([{'.includes(args[i])) depth += 1;
    else if (')]}'.includes(args[i])) depth -= 1;
    else if (args[i] === ',' && depth === 0) {
      const rest = args.slice(i + 1);
      let end = rest.length;
      let d = 0;
      for (let j = 0; j < rest.length; j += 1) {
        if ('([{'.includes(rest[j])) d += 1;
        else if (')]}'.includes(rest[j])) d -= 1;
        else if (rest[j] === ',' && d === 0) {
          end = j;
          break;
        }
      }
      const second = rest.slice(0, end).trim();
      return second || undefined;
    }
  }
  return undefined;
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
    // A comment that names the error does not use it.
    assert.equal(silentCatches('try { a(); } catch (error) {\n  // error is expected here\n  return false;\n}').length, 1);
    assert.equal(silentCatches('try { a(); } catch (error) { /* error: fine */ return false; }').length, 1);
    assert.equal(silentCatches('p.catch((error) => false); // error ignored').length, 1);
    assert.equal(silentCatches("try { a(); } catch (error) { info('http://x'); info(error.message); }").length, 0);
    // The other ways to drop a rejection.
    assert.equal(silentCatches('p.catch(function () {});').length, 1);
    assert.equal(silentCatches('p.catch(function (error) { return 1; });').length, 1);
    assert.equal(silentCatches('p.catch(function (error) { warn(error); });').length, 0);
    assert.equal(silentCatches('p.then((x) => x, () => {});').length, 1);
    assert.equal(silentCatches('p.then((x) => x, (error) => null);').length, 1);
    assert.equal(silentCatches('p.then((x) => x, (error) => warn(error));').length, 0);
    assert.equal(silentCatches('p.then(f, noop); p.catch(noop); p.catch(ignore);').length, 3);
    assert.equal(silentCatches('p.then(resolve, reject); p.then((x) => f(x, 1));').length, 0);
  });

  it('no module of tools/devstack, scripts/ or tools/bench swallows an error', () => {
    const offenders = [];
    for (const file of sources()) {
      for (const [line, what] of silentCatches(fs.readFileSync(file, 'utf8'))) offenders.push(`${path.relative(ROOT, file)}:${line}: ${what}`);
    }
    assert.deepEqual(offenders, [], 'narrow the catch (check the error, rethrow the rest) or report the error');
  });
});
