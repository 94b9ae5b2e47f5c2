import type { ErrorObject } from 'ajv';
import type { SchemaNode } from './config-schema.js';

/**
 * Turns ajv's errors into one line per problem that names the field, what it should be and what it is:
 * `container.port: expected an integer 1-65535, got "80a"`. What a field should be comes from the schema's
 * `x-expected` annotation, so the wording lives beside the rule it describes.
 */
export function describeSchemaErrors(errors: readonly ErrorObject[], schema: SchemaNode): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const add = (key: string, problem: string): void => {
    if (seen.has(key)) return;
    seen.add(key);
    problems.push(problem);
  };

  for (const error of errors) {
    const field = fieldPath(error.instancePath);
    const nodes = schemaNodesAlong(schema, error.schemaPath);
    if (error.keyword === 'additionalProperties') {
      const unknown = String((error.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys(nodes.at(-1)?.properties ?? {}).filter((name) => name !== '$schema');
      const path = joinField(field, unknown);
      add(`unknown ${path}`, `${path}: unknown field (expected one of: ${known.join(', ')})`);
    } else if (error.keyword === 'required') {
      const missing = String((error.params as { missingProperty: string }).missingProperty);
      const expected = nodes.at(-1)?.properties?.[missing]?.['x-expected'];
      const path = joinField(field, missing);
      add(`missing ${path}`, `${path}: missing${expected ? ` (expected ${expected})` : ''}`);
    } else if (error.propertyName !== undefined || error.keyword === 'propertyNames') {
      const name = error.propertyName ?? String((error.params as { propertyName?: string }).propertyName);
      add(`key ${field} ${name}`, `${field || '(document)'}: invalid key ${JSON.stringify(name)}`);
    } else {
      // The deepest schema node that says what it expects is the one for this value (anyOf branches say nothing).
      const expected = nodes.findLast((node) => node['x-expected'] !== undefined)?.['x-expected'] ?? error.message;
      add(`value ${error.instancePath}`, `${field || '(document)'}: expected ${expected}, got ${render(error.data)}`);
    }
  }
  return problems;
}

/** `/container/cmd/0` → `container.cmd[0]`; keys that are not identifiers are quoted: `container.env["A.B"]`. */
export function fieldPath(instancePath: string): string {
  if (instancePath === '') return '';
  return instancePath
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((path, segment) => (/^[0-9]+$/.test(segment) ? `${path}[${segment}]` : joinField(path, segment)), '');
}

function joinField(path: string, key: string): string {
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** The schema objects along `#/properties/container/properties/port/type`, root first. */
function schemaNodesAlong(schema: SchemaNode, schemaPath: string): SchemaNode[] {
  const nodes: SchemaNode[] = [schema];
  let node: unknown = schema;
  for (const segment of schemaPath.replace(/^#\/?/, '').split('/')) {
    if (segment === '' || node === null || typeof node !== 'object') break;
    node = (node as Record<string, unknown>)[segment.replaceAll('~1', '/').replaceAll('~0', '~')];
    if (node !== null && typeof node === 'object' && !Array.isArray(node)) nodes.push(node as SchemaNode);
  }
  return nodes;
}

function render(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}
