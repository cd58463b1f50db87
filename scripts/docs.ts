// npm run docs: regenerates the generated sections of README.md and of the guides (docs/guide/).
import { readFileSync, writeFileSync } from 'node:fs';
import { DOCUMENTS, withGeneratedSections } from './readme-sections.js';

for (const { url } of DOCUMENTS) {
  const text = readFileSync(url, 'utf8');
  const generated = withGeneratedSections(text);
  if (generated !== text) writeFileSync(url, generated);
}
