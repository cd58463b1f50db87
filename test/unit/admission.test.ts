// Cache admission (src/store/admission.ts): a key is taken in the second time it is asked for,
// while it is still remembered; the memory for that is fixed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SecondAsk } from '../../src/store/admission.js';

describe('admission on the second ask', () => {
  it('admits a key asked for again, not one asked for once', () => {
    const admission = new SecondAsk();
    assert.equal(admission.admits('directory.findUser\u0000t\u0000alice'), false);
    assert.equal(admission.admits('directory.findUser\u0000t\u0000bob'), false);
    assert.equal(admission.admits('directory.findUser\u0000t\u0000alice'), true);
    assert.equal(admission.admits('directory.findUser\u0000t\u0000alice'), true);
  });

  it('admits almost none of a sweep of distinct keys, and forgets beyond its slots', () => {
    const admission = new SecondAsk(10);
    let admitted = 0;
    for (let i = 0; i < 100_000; i++) if (admission.admits(`/v1.0/users/${i}/photo/$value`)) admitted++;
    assert.equal(admitted, 0, 'distinct keys never look like one asked for before');
    // 100,000 keys have passed through 1,024 slots: the first is long forgotten.
    assert.equal(admission.admits('/v1.0/users/0/photo/$value'), false);
  });
});
