// The README's generated parts must match the code they are generated from.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { README, withGeneratedSections } from '../../scripts/readme-sections.js';

it('README configuration table is the one config.ts generates (run npm run docs)', () => {
  const readme = readFileSync(README, 'utf8');
  assert.ok(readme.includes('<!-- options:start -->'));
  assert.equal(readme, withGeneratedSections(readme));
});
