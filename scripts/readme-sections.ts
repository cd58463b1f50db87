// The parts of README.md and of the guides (docs/guide/) generated from code, so they cannot drift
// from it: the configuration table, and the test-suite examples, which are the consumer suite's
// own files (test/consumer, run by CI from the packed tarball on Node 20, 22 and 24). Also the
// list of the documents whose examples the README test runs, in order.
import { readFileSync } from 'node:fs';
import { optionsTable } from '../src/config.js';

export const README = new URL('../README.md', import.meta.url);
const CONSUMER = new URL('../test/consumer/', import.meta.url);

/**
 * The guides, in the order the README test runs their examples, after the README's: state made by
 * one example (TOKEN, me.jpg, an exported variable, an app) is there for those after it, so a guide
 * comes after the ones it depends on. docs/README.md says what each one uses and makes; every
 * file in docs/guide/ must be here (the README test checks).
 */
export const GUIDES = [
  'docs/guide/testing.md',
  'docs/guide/api.md',
  'docs/guide/console-and-explorer.md',
  'docs/guide/authentication.md',
  'docs/guide/graph-developers.md',
  'docs/guide/avatars.md',
  'docs/guide/cli.md',
  'docs/guide/ldap.md',
  'docs/guide/object-storage.md',
  'docs/guide/many-nodes.md',
] as const;

/** A document with examples and generated parts: its path from the repository's root, and its URL. */
export interface Document {
  name: string;
  url: URL;
}

/** README.md, then the guides in their order: the documents `npm run docs` and the README test cover. */
export const DOCUMENTS: Document[] = [
  { name: 'README.md', url: README },
  ...GUIDES.map((name) => ({ name, url: new URL(`../${name}`, import.meta.url) })),
];

const LANGUAGES: Record<string, string> = { json: 'json', mjs: 'js' };

/** `<!-- file:test/consumer/X:start -->` … `:end -->`: the file, fenced. */
const consumerFile = (name: string) => {
  const lang = LANGUAGES[name.split('.').pop()!] ?? '';
  return `\`\`\`${lang}\n${readFileSync(new URL(name, CONSUMER), 'utf8')}\`\`\``;
};

/** A document with its generated sections made from their sources (a document without any is unchanged). */
export function withGeneratedSections(text: string): string {
  return text
    .replace(
      /(<!-- options:start -->\n)[\s\S]*?(\n<!-- options:end -->)/,
      (_all, start: string, end: string) => `${start}${optionsTable()}${end}`,
    )
    .replace(
      /(<!-- file:test\/consumer\/(\S+?):start -->\n(?:<!-- not run[^\n]*\n)?)[\s\S]*?(\n<!-- file:test\/consumer\/\2:end -->)/g,
      (_all, start: string, name: string, end: string) => `${start}${consumerFile(name)}${end}`,
    );
}

/** A fenced shell or JavaScript example of a document, where it starts, and why it is not run. */
export interface ReadmeExample {
  lang: 'sh' | 'js';
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** From a `<!-- not run by the README test: why -->` line right above the fence. */
  notRun?: string;
}

/** A document's ```sh and ```js blocks in order (other languages, e.g. ```text synopses, are not examples). */
export function readmeExamples(text: string): ReadmeExample[] {
  const fence = /^(?:<!-- not run by the README test: (.+?) -->\n)?```(sh|js)\n([\s\S]*?)^```$/gm;
  return [...text.matchAll(fence)].map((match) => {
    const opening = match.index + (match[1] ? match[0].indexOf('```') : 0);
    return {
      lang: match[2] as 'sh' | 'js',
      code: match[3]!,
      line: text.slice(0, opening).split('\n').length,
      ...(match[1] ? { notRun: match[1] } : {}),
    };
  });
}
