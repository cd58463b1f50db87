// npm run docs: regenerates the generated sections of README.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { README, withGeneratedSections } from './readme-sections.js';

writeFileSync(README, withGeneratedSections(readFileSync(README, 'utf8')));
