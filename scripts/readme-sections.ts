// The parts of README.md generated from code, so the README cannot drift from it.
import { optionsTable } from '../src/config.js';

export const README = new URL('../README.md', import.meta.url);

export function withGeneratedSections(readme: string): string {
  return readme.replace(
    /(<!-- options:start -->\n)[\s\S]*?(\n<!-- options:end -->)/,
    (_all, start: string, end: string) => `${start}${optionsTable()}${end}`,
  );
}
