// Writes the published JSON Schema files from the zod schemas in the build.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PUBLISHED_SCHEMAS } from '../dist/schemas.js';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'schema');
mkdirSync(out, { recursive: true });
for (const [name, schema] of Object.entries(PUBLISHED_SCHEMAS)) {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12' });
  json.$id = `urn:healer:schema:${name}`;
  writeFileSync(join(out, `${name}.json`), JSON.stringify(json, null, 2) + '\n');
}
