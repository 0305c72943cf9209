import jsYaml from 'js-yaml';
import type { ScalarTag } from 'yaml';
import { BOOL, FLOAT, INT, NULL, resolveBool, resolveFloat, resolveInt, TIMESTAMP_WITH_TIME } from '../inventory/yaml11.js';
import { usesCommonSyntaxOnly } from './common-syntax.js';

/**
 * The data of a YAML 1.1 file (Ansible's reading, as `yaml` with inventory/yaml11.ts gives it),
 * read by js-yaml, ~10× faster than `yaml`'s parser builds its Document: at 1,000 hosts the
 * inventory's parse was most of its load (#19). Returns undefined whenever it is not sure to
 * give exactly what `yaml` gives: a file with syntax outside usesCommonSyntaxOnly, or any error
 * (the caller then reads the file with `yaml`, whose errors name file, line and column).
 * `tags`: the same !vault/!secret tags `yaml` gets, called the same way.
 */
export function readYaml11Fast(text: string, tags: ScalarTag[]): { data: unknown } | undefined {
  if (!usesCommonSyntaxOnly(text)) return undefined;
  try {
    const data = jsYaml.load(text, { schema: schemaFor(tags) });
    // An empty file: js-yaml gives undefined where yaml gives null; rare and cheap, left to yaml.
    return data === undefined ? undefined : { data };
  } catch {
    return undefined;
  }
}

/** Plain scalars resolved in `yaml`'s order for this schema: bool, int, float (PyYAML's), then null. */
const implicit = [
  scalarType('tag:yaml.org,2002:bool', BOOL, resolveBool),
  scalarType('tag:yaml.org,2002:int', INT, resolveInt),
  scalarType('tag:yaml.org,2002:float', FLOAT, resolveFloat),
  scalarType('tag:yaml.org,2002:null', NULL, () => null),
  // Refused (inventory/yaml11.ts): thrown here, `yaml` then reads the file and names the line.
  scalarType('tag:yaml.org,2002:timestamp', TIMESTAMP_WITH_TIME, () => {
    throw new Error('timestamp');
  }),
];

function scalarType(tag: string, test: RegExp, construct: (text: string) => unknown): jsYaml.Type {
  return new jsYaml.Type(tag, { kind: 'scalar', resolve: (data: unknown) => typeof data === 'string' && test.test(data), construct });
}

const schemas = new WeakMap<ScalarTag[], jsYaml.Schema>();

function schemaFor(tags: ScalarTag[]): jsYaml.Schema {
  let schema = schemas.get(tags);
  if (!schema) {
    const explicit = tags.map(
      (t) =>
        new jsYaml.Type(t.tag, {
          kind: 'scalar',
          resolve: (data: unknown) => typeof data === 'string',
          // yaml's own resolve, with a failure (a !vault value that cannot be decrypted) thrown: yaml then reads the file and says why.
          construct: (data: string) =>
            t.resolve(
              data,
              (message) => {
                throw new Error(message);
              },
              {},
            ),
        }),
    );
    schema = jsYaml.FAILSAFE_SCHEMA.extend({ implicit, explicit });
    schemas.set(tags, schema);
  }
  return schema;
}
