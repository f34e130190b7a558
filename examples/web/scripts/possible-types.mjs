// Writes src/possibleTypes.json, the possibleTypes Apollo's cache needs
// for the schema's interfaces and unions (Node), from ../../schema/*.graphqls.
// With --check it only compares and exits 1 when the file is stale.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildASTSchema, isInterfaceType, isUnionType, parse } from 'graphql';

const here = dirname(fileURLToPath(import.meta.url));
const schemaDir = join(here, '..', '..', '..', 'schema');
const out = join(here, '..', 'src', 'possibleTypes.json');

const sdl = readdirSync(schemaDir)
  .filter((f) => f.endsWith('.graphqls'))
  .sort()
  .map((f) => readFileSync(join(schemaDir, f), 'utf8'))
  .join('\n');
const schema = buildASTSchema(parse(sdl), { assumeValidSDL: true });

const possibleTypes = {};
for (const type of Object.values(schema.getTypeMap()).sort((a, b) => a.name.localeCompare(b.name))) {
  if (type.name.startsWith('__')) continue;
  if (isInterfaceType(type)) {
    possibleTypes[type.name] = schema.getPossibleTypes(type).map((t) => t.name).sort();
  } else if (isUnionType(type)) {
    possibleTypes[type.name] = type.getTypes().map((t) => t.name).sort();
  }
}
const text = JSON.stringify(possibleTypes, null, 2) + '\n';

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(out, 'utf8');
  } catch {
    // missing: stale
  }
  if (current !== text) {
    console.error('src/possibleTypes.json is stale: run npm run possible-types in examples/web and commit it');
    process.exit(1);
  }
  console.log('src/possibleTypes.json matches the schema');
} else {
  writeFileSync(out, text);
  console.log('wrote', out);
}
