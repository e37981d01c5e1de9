// The TypeScript's enums come from the core: web/widget/src/generated/enums.ts must be what
// web/gen-enums.mjs writes from this build's `porchlight enums`, and no web source may keep a
// hand copy of a list the core owns.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { coreEnums, enumsFile, enumsModule } from '../../web/gen-enums.mjs';
import { binDir, root } from './helpers.mjs';

test('generated/enums.ts is what web/gen-enums.mjs writes from this build\'s `porchlight enums`', () => {
  const fresh = enumsModule(coreEnums(join(binDir, 'porchlight')));
  assert.equal(readFileSync(enumsFile, 'utf8'), fresh,
    'web/widget/src/generated/enums.ts is stale: run `node web/gen-enums.mjs` and commit it');
});

test('no web source copies a list the core owns', () => {
  const enums = coreEnums(join(binDir, 'porchlight'));
  const sources = (dir) => readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ts$/.test(e.name)).map((e) => join(e.parentPath ?? e.path, e.name));
  const files = ['widget/src', 'dashboard/src', 'demo/src', 'streamlit/src'].flatMap((d) => sources(join(root, 'web', d)))
    .filter((f) => f !== enumsFile);
  for (const [key, names] of Object.entries(enums)) {
    if (names.length < 3) continue;  // too short to tell a copy from a coincidence
    // A copy: the list's first three names in a row, quoted, as an array literal would have them.
    const copy = new RegExp(names.slice(0, 3).map((n) => `['"]${n}['"]`).join('\\s*,\\s*'));
    for (const f of files) assert.ok(!copy.test(readFileSync(f, 'utf8')), `${f} copies ${key}: import it from generated/enums`);
  }
});
