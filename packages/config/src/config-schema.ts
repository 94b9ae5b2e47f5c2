import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The published JSON Schema file; the same relative path works from src/ and dist/. */
export const configSchemaPath: string = fileURLToPath(
  new URL('../schema/wunderproxy-config.schema.json', import.meta.url),
);

/** A node of the schema, as far as error messages need to read it. */
export interface SchemaNode {
  readonly type?: string;
  readonly 'x-expected'?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly [keyword: string]: unknown;
}

export const configSchema: SchemaNode = JSON.parse(readFileSync(configSchemaPath, 'utf8')) as SchemaNode;
