import * as fs from 'fs';
import * as path from 'path';

// jsii copies README.md onto the npm, PyPI, Maven, NuGet and Construct Hub pages, so it stays a
// user's README: short, with a table of contents, the rest in docs/ and CONTRIBUTING.md. These
// checks keep the split from rotting: every link into the repository must reach a file and heading.
const ROOT = path.join(__dirname, '..');
const REPO_URL = 'https://github.com/secure-lambda-postgres/secure-lambda-postgres/blob/main/';
const MAX_README_LINES = 500;

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const docs = fs.readdirSync(path.join(ROOT, 'docs')).filter(f => f.endsWith('.md')).map(f => `docs/${f}`);
const FILES = ['README.md', 'CONTRIBUTING.md', ...docs];

/**
 * Lines outside fenced code blocks (a `#` comment in a bash block is not a heading). As CommonMark:
 * a fence is indented at most 3 spaces and its info string has no backtick (so inline code such as
 * ```` ```mts ```` opens nothing); it closes at a bare fence at least as long.
 */
function prose(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split('\n').filter(line => {
    if (fence === undefined) {
      fence = /^ {0,3}(`{3,})[^`]*$/.exec(line)?.[1];
      return fence === undefined;
    }
    const closing = /^ {0,3}(`{3,})\s*$/.exec(line)?.[1];
    if (closing && closing.length >= fence.length) fence = undefined;
    return false;
  });
}

/** GitHub's anchor for a heading: lower case, punctuation removed, each space a '-', repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of prose(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = heading[1].toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

interface Link { readonly from: string; readonly target: string }

function linksOf(file: string): Link[] {
  const text = prose(read(file)).join('\n').replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map(m => ({ from: file, target: m[1] }));
}

/** The repository file and anchor a link points at, or undefined for a link outside the repository. */
function resolve(link: Link): { file: string; anchor?: string } | undefined {
  const [target, anchor] = link.target.split('#') as [string, string | undefined];
  if (target.startsWith(REPO_URL)) return { file: target.slice(REPO_URL.length), anchor };
  if (/^[a-z]+:/i.test(target)) return undefined;
  const file = target === '' ? link.from : path.posix.normalize(path.posix.join(path.posix.dirname(link.from), target));
  return { file, anchor };
}

/** What is wrong with a link into the repository, or undefined when it resolves. */
function brokenReason(link: Link): string | undefined {
  const resolved = resolve(link);
  if (!resolved) return undefined;
  const absolute = path.join(ROOT, resolved.file);
  if (resolved.file.startsWith('..') || !fs.existsSync(absolute)) return `${link.from}: ${link.target}: no file ${resolved.file}`;
  if (resolved.anchor === undefined) return undefined;
  if (!resolved.file.endsWith('.md')) return `${link.from}: ${link.target}: an anchor into a file that is not Markdown`;
  return anchorsOf(read(resolved.file)).has(resolved.anchor) ? undefined : `${link.from}: ${link.target}: no heading #${resolved.anchor} in ${resolved.file}`;
}

describe('the README and its split into docs/ and CONTRIBUTING.md', () => {
  const readme = read('README.md');

  test(`the README has at most ${MAX_README_LINES} lines`, () => {
    expect(readme.split('\n').length - (readme.endsWith('\n') ? 1 : 0)).toBeLessThanOrEqual(MAX_README_LINES);
  });

  test('the README has a table of contents linking every section', () => {
    const contents = /^## Contents\n([\s\S]*?)\n## /m.exec(readme);
    expect(contents).not.toBeNull();
    const listed = new Set([...contents![1].matchAll(/\]\(#([^)]+)\)/g)].map(m => m[1]));
    const sections = prose(readme).filter(l => /^## /.test(l) && l !== '## Contents' && l !== '## License');
    const missing = [...anchorsOf(sections.join('\n'))].filter(a => !listed.has(a));
    expect(missing).toEqual([]);
  });

  test('every link into the repository reaches an existing file and heading', () => {
    const links = FILES.flatMap(linksOf);
    expect(links.filter(l => resolve(l)?.file.startsWith('docs/')).length).toBeGreaterThan(10);
    expect(links.map(brokenReason).filter(Boolean)).toEqual([]);
  });

  test('the README links to every file in docs/ and to CONTRIBUTING.md', () => {
    const reached = new Set(linksOf('README.md').map(resolve).filter(r => r !== undefined).map(r => r!.file));
    expect(['CONTRIBUTING.md', ...docs].filter(f => !reached.has(f))).toEqual([]);
  });

  test('the anchors follow GitHub: lower case, punctuation dropped, spaces to dashes, repeats numbered', () => {
    const anchors = anchorsOf('## Deploying, rolling back and destroying\n### The isolated replica: `local verify --isolate`\n## Notes\n## Notes\n```bash\n# not a heading\n```\n  ```` ```mts ```` is inline code\n## After');
    expect([...anchors]).toEqual(['deploying-rolling-back-and-destroying', 'the-isolated-replica-local-verify---isolate', 'notes', 'notes-1', 'after']);
  });
});
