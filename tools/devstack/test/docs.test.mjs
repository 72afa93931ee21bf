// The README and docs/ as a newcomer reads them: every relative link leads to a
// file that exists (and to a heading that exists, when it names one), the
// README stays short, and its layout names only paths that exist.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const README = path.join(ROOT, 'README.md');
/** Where the README's layout block starts describing a path. */
const LAYOUT_PATH_COLUMN = 32;

/** README.md, every Markdown file under docs/, and the READMEs of the chart and the tools. */
function documentationFiles() {
  const underDocs = fs
    .readdirSync(path.join(ROOT, 'docs'), { recursive: true })
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join(ROOT, 'docs', name));
  const readmes = ['charts/orderflow/README.md', 'tools/devstack/README.md', 'tools/bench/README.md'].map((name) => path.join(ROOT, name));
  return [README, ...underDocs, ...readmes];
}

/** Markdown without its fenced code blocks. */
const withoutFences = (markdown) => markdown.replace(/^```[\s\S]*?^```/gm, '');

/** The text outside fenced code blocks and inline code: links there are examples, not links. */
function prose(markdown) {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, '');
}

/** `[text](target)` links whose target is not a URL. */
export function relativeLinks(markdown) {
  const links = [];
  for (const match of prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = match[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    links.push(target);
  }
  return links;
}

/** The anchors GitHub gives a file's headings (lower case, punctuation dropped, spaces to dashes, repeats numbered). */
export function headingAnchors(markdown) {
  const anchors = new Set();
  const seen = new Map();
  for (const line of withoutFences(markdown).split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1].replace(/`/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** What is wrong with one link from `fromFile`, or undefined when it leads somewhere. */
function brokenLink(fromFile, target) {
  const [pathPart, anchor] = target.split('#');
  const destination = pathPart ? path.resolve(path.dirname(fromFile), decodeURIComponent(pathPart)) : fromFile;
  if (!fs.existsSync(destination)) return `${target}: no such file`;
  if (anchor && destination.endsWith('.md') && !headingAnchors(fs.readFileSync(destination, 'utf8')).has(anchor)) {
    return `${target}: no heading with the anchor #${anchor}`;
  }
  return undefined;
}

describe('the README, docs/ and the other READMEs', () => {
  it('link only to files that exist, and to headings that exist', () => {
    const broken = [];
    for (const file of documentationFiles()) {
      for (const target of relativeLinks(fs.readFileSync(file, 'utf8'))) {
        const problem = brokenLink(file, target);
        if (problem) broken.push(`${path.relative(ROOT, file)}: ${problem}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it('the README stays within 200 lines', () => {
    const lines = fs.readFileSync(README, 'utf8').trimEnd().split('\n').length;
    assert.ok(lines <= 200, `README.md has ${lines} lines`);
  });

  it('the README gives exactly two set-up commands, npm start and npm test', () => {
    const setUp = /## Set up\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(fs.readFileSync(README, 'utf8'));
    assert.ok(setUp, 'README.md has a "## Set up" section with a sh block');
    const commands = setUp[1].split('\n').map((line) => line.replace(/#.*/, '').trim()).filter(Boolean);
    assert.deepEqual(commands, ['npm start', 'npm test']);
  });

  it('the README\'s layout names only paths that exist', () => {
    const layout = /## Layout\n+```\n([\s\S]*?)```/.exec(fs.readFileSync(README, 'utf8'));
    assert.ok(layout, 'README.md has a "## Layout" section with a code block');
    const services = ['order-service', 'payment-service', 'notification-service'];
    const missing = new Set();
    const check = (relative) => {
      for (const service of services) {
        const resolved = relative.replace('<service>', service);
        if (!fs.existsSync(path.join(ROOT, resolved))) missing.add(resolved);
      }
    };
    let base = '';
    for (const line of layout[1].split('\n')) {
      // A path column (32 characters: a top-level path, or one indented under it), then what it is.
      const names = line.slice(0, LAYOUT_PATH_COLUMN).trim().split(/,\s*/).filter(Boolean);
      const description = line.slice(LAYOUT_PATH_COLUMN);
      if (names.length && !/^\s/.test(line)) base = names[0];
      for (const name of names) check(/^\s/.test(line) ? path.join(base, name) : name);
      // A service's own line names its files relative to its src/ (http/order-routes.ts, auth/).
      if (/^apps\/[a-z-]+\/src\/$/.test(base)) {
        for (const [file] of description.matchAll(/\b[a-z]+\/(?:[a-z-]+\.ts)?/g)) check(path.join(base, file));
      }
    }
    assert.deepEqual([...missing], []);
  });
});
