// The parts of README.md generated from code, so the README cannot drift from it: the
// configuration table, and the test-suite examples, which are the consumer suite's own files
// (test/consumer, run by CI from the packed tarball on Node 20, 22 and 24).
import { readFileSync } from 'node:fs';
import { optionsTable } from '../src/config.js';

export const README = new URL('../README.md', import.meta.url);
const CONSUMER = new URL('../test/consumer/', import.meta.url);

const LANGUAGES: Record<string, string> = { json: 'json', mjs: 'js' };

/** `<!-- file:test/consumer/X:start -->` … `:end -->`: the file, fenced. */
const consumerFile = (name: string) => {
  const lang = LANGUAGES[name.split('.').pop()!] ?? '';
  return `\`\`\`${lang}\n${readFileSync(new URL(name, CONSUMER), 'utf8')}\`\`\``;
};

export function withGeneratedSections(readme: string): string {
  return readme
    .replace(
      /(<!-- options:start -->\n)[\s\S]*?(\n<!-- options:end -->)/,
      (_all, start: string, end: string) => `${start}${optionsTable()}${end}`,
    )
    .replace(
      /(<!-- file:test\/consumer\/(\S+?):start -->\n(?:<!-- not run[^\n]*\n)?)[\s\S]*?(\n<!-- file:test\/consumer\/\2:end -->)/g,
      (_all, start: string, name: string, end: string) => `${start}${consumerFile(name)}${end}`,
    );
}

/** A fenced shell or JavaScript example of the README, where it starts, and why it is not run. */
export interface ReadmeExample {
  lang: 'sh' | 'js';
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** From a `<!-- not run by the README test: why -->` line right above the fence. */
  notRun?: string;
}

/** The README's ```sh and ```js blocks in order (other languages, e.g. ```text synopses, are not examples). */
export function readmeExamples(readme: string): ReadmeExample[] {
  const fence = /^(?:<!-- not run by the README test: (.+?) -->\n)?```(sh|js)\n([\s\S]*?)^```$/gm;
  return [...readme.matchAll(fence)].map((match) => {
    const opening = match.index + (match[1] ? match[0].indexOf('```') : 0);
    return {
      lang: match[2] as 'sh' | 'js',
      code: match[3]!,
      line: readme.slice(0, opening).split('\n').length,
      ...(match[1] ? { notRun: match[1] } : {}),
    };
  });
}
