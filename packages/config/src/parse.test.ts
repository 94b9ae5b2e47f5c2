import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { configSchema, configSchemaPath } from './config-schema.js';
import { CONFIG_DEFAULTS } from './defaults.js';
import { parseConfig } from './parse.js';

/** Verbatim from DESIGN.md, "Config (what launch fetches)". */
const DESIGN_EXAMPLE = `{
  "name": "app",
  "image": "127.0.0.1:5000/sample-app:v2",
  "container": {
    "port": 8080,
    "env": { "APP_VERSION": "v2" },
    "cmd": ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"],
    "labels": { "team": "web" }
  },
  "healthCheck": { "path": "/health", "timeoutSeconds": 30, "intervalMs": 200 },
  "registry": { "bucket": "s3://artifacts/registry" }
}`;

const minimal = { name: 'app', image: 'sample-app:v1', container: { port: 8080 } };

function problemsOf(document: unknown): string[] {
  const text = typeof document === 'string' ? document : JSON.stringify(document);
  try {
    parseConfig(text, 'test.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

function withContainer(fields: Record<string, unknown>): unknown {
  return { ...minimal, container: { port: 8080, ...fields } };
}

describe('parseConfig', () => {
  it('accepts the DESIGN.md example verbatim', () => {
    const config = parseConfig(DESIGN_EXAMPLE, 'design.json');
    expect(config).toMatchObject({
      name: 'app',
      image: '127.0.0.1:5000/sample-app:v2',
      container: {
        port: 8080,
        env: { APP_VERSION: 'v2' },
        cmd: ['/bin/busybox', 'httpd', '-f', '-p', '8080', '-h', '/www'],
        labels: { team: 'web' },
      },
      healthCheck: { path: '/health', timeoutSeconds: 30, intervalMs: 200 },
      registry: { bucket: 's3://artifacts/registry' },
    });
  });

  it('applies every default to a minimal document', () => {
    const config = parseConfig(JSON.stringify(minimal), 'minimal.json');
    expect(config.healthCheck).toEqual({ path: '/', timeoutSeconds: 60, intervalMs: 1000 });
    expect(config.container).toMatchObject({
      env: {},
      labels: {},
      volumes: [],
      extraHosts: [],
      init: false,
      stopTimeoutSeconds: 10,
      restartPolicy: { name: 'no', maximumRetryCount: 0 },
    });
    expect(config.container.cmd).toBeUndefined();
    expect(config.registry.bucket).toBeUndefined();
  });

  it('fills only the missing healthCheck fields', () => {
    const config = parseConfig(JSON.stringify({ ...minimal, healthCheck: { path: '/up' } }), 'x');
    expect(config.healthCheck).toEqual({ path: '/up', timeoutSeconds: 60, intervalMs: 1000 });
  });

  it('accepts every docker option of container and normalises them', () => {
    const config = parseConfig(
      JSON.stringify(
        withContainer({
          volumes: ['/srv/data:/data', 'cache:/cache:ro'],
          binds: ['/etc/app:/etc/app:ro'],
          memory: '512m',
          cpus: 1.5,
          restartPolicy: 'on-failure:3',
          network: 'backend',
          user: '1000:1000',
          extraHosts: ['db:10.0.0.5', 'host.docker.internal:host-gateway'],
          logDriver: { type: 'json-file', options: { 'max-size': '10m' } },
          init: true,
          stopTimeoutSeconds: 0,
          entrypoint: ['/bin/busybox'],
          workdir: '/www',
        }),
      ),
      'x',
    );
    expect(config.container).toMatchObject({
      volumes: ['/srv/data:/data', 'cache:/cache:ro', '/etc/app:/etc/app:ro'],
      memoryBytes: 512 * 1024 * 1024,
      cpus: 1.5,
      restartPolicy: { name: 'on-failure', maximumRetryCount: 3 },
      network: 'backend',
      user: '1000:1000',
      extraHosts: ['db:10.0.0.5', 'host.docker.internal:host-gateway'],
      logDriver: { type: 'json-file', options: { 'max-size': '10m' } },
      init: true,
      stopTimeoutSeconds: 0,
      entrypoint: ['/bin/busybox'],
      workdir: '/www',
    });
  });

  it.each([
    [1048576, 1048576],
    ['64k', 65536],
    ['1.5g', 1.5 * 1024 ** 3],
    ['256MB', 256 * 1024 ** 2],
    ['100', 100],
  ])('reads memory %j as %d bytes', (memory, bytes) => {
    expect(parseConfig(JSON.stringify(withContainer({ memory })), 'x').container.memoryBytes).toBe(bytes);
  });

  it('accepts a $schema field for editors', () => {
    expect(() => parseConfig(JSON.stringify({ $schema: './schema.json', ...minimal }), 'x')).not.toThrow();
  });

  it('accepts a byte order mark', () => {
    expect(parseConfig(`\uFEFF${JSON.stringify(minimal)}`, 'x').name).toBe('app');
  });
});

describe('ConfigError', () => {
  it('carries the code, the source and the problems', () => {
    const error = (() => {
      try {
        parseConfig(JSON.stringify(withContainer({ port: '80a' })), 's3://bucket/app.json');
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({
      name: 'ConfigError',
      code: 'CONFIG_INVALID',
      source: 's3://bucket/app.json',
      problems: ['container.port: expected an integer 1-65535, got "80a"'],
      message: 's3://bucket/app.json: container.port: expected an integer 1-65535, got "80a"',
    });
  });

  it('names an unknown field and the fields that are allowed there', () => {
    const [problem] = problemsOf(withContainer({ prot: 80 }));
    expect(problem).toMatch(/^container\.prot: unknown field \(expected one of: port, env, cmd, /);
    expect(problem).toContain('stopTimeoutSeconds)');
  });

  it('names unknown top-level and nested fields', () => {
    expect(problemsOf({ ...minimal, healthcheck: {} })).toEqual([
      'healthcheck: unknown field (expected one of: name, image, container, healthCheck, registry)',
    ]);
    expect(problemsOf({ ...minimal, healthCheck: { timeout: 5 } })).toEqual([
      'healthCheck.timeout: unknown field (expected one of: path, timeoutSeconds, intervalMs)',
    ]);
    expect(problemsOf({ ...minimal, registry: { bucket: 's3://bkt/p', region: 'x' } })).toEqual([
      'registry.region: unknown field (expected one of: bucket)',
    ]);
  });

  it('lists every problem, not just the first', () => {
    const problems = problemsOf({ name: 'My App', image: 'x', container: { port: 0, cmd: 'httpd' }, extra: 1 });
    expect(problems).toEqual([
      'extra: unknown field (expected one of: name, image, container, healthCheck, registry)',
      'name: expected a safe app name (1-63 of lowercase letters, digits, - and _, starting with a letter or digit), got "My App"',
      'container.port: expected an integer 1-65535, got 0',
      'container.cmd: expected an array of strings, got "httpd"',
    ]);
  });

  it.each([
    [withContainer({ port: 70000 }), 'container.port: expected an integer 1-65535, got 70000'],
    [withContainer({ port: 80.5 }), 'container.port: expected an integer 1-65535, got 80.5'],
    [withContainer({ env: { PORT: 80 } }), 'container.env.PORT: expected a string, got 80'],
    [withContainer({ env: { 'A.B': true } }), 'container.env["A.B"]: expected a string, got true'],
    [withContainer({ cmd: ['httpd', 8080] }), 'container.cmd[1]: expected a string, got 8080'],
    [
      withContainer({ memory: '512x' }),
      'container.memory: expected a positive integer of bytes or a size like "512m", got "512x"',
    ],
    [
      withContainer({ memory: '0m' }),
      'container.memory: expected a positive integer of bytes or a size like "512m", got "0m"',
    ],
    [
      withContainer({ memory: -1 }),
      'container.memory: expected a positive integer of bytes or a size like "512m", got -1',
    ],
    [withContainer({ cpus: 0 }), 'container.cpus: expected a number > 0, got 0'],
    [
      withContainer({ restartPolicy: 'sometimes' }),
      'container.restartPolicy: expected one of "no", "always", "unless-stopped", "on-failure" or "on-failure:N", got "sometimes"',
    ],
    [
      withContainer({ volumes: ['/data'] }),
      'container.volumes[0]: expected a "host:container[:ro|rw]" string with an absolute container path, got "/data"',
    ],
    [withContainer({ extraHosts: ['db'] }), 'container.extraHosts[0]: expected a "host:ip" string, got "db"'],
    [withContainer({ logDriver: { options: {} } }), 'container.logDriver.type: missing (expected a log driver name)'],
    [withContainer({ init: 'yes' }), 'container.init: expected true or false, got "yes"'],
    [withContainer({ stopTimeoutSeconds: -1 }), 'container.stopTimeoutSeconds: expected an integer >= 0, got -1'],
    [withContainer({ workdir: 'www' }), 'container.workdir: expected an absolute path, got "www"'],
    [withContainer({ env: { 'A=B': 'x' } }), 'container.env: invalid key "A=B"'],
    [
      { ...minimal, name: 'app:prod' },
      'name: expected a safe app name (1-63 of lowercase letters, digits, - and _, starting with a letter or digit), got "app:prod"',
    ],
    [{ ...minimal, name: 'a'.repeat(64) }, expect.stringMatching(/^name: expected a safe app name .*got "a{64}"$/)],
    [{ ...minimal, image: 'has space' }, 'image: expected a docker image reference without spaces, got "has space"'],
    [{ ...minimal, container: 'web' }, 'container: expected an object, got "web"'],
    [{ name: 'app', image: 'x' }, 'container: missing (expected an object)'],
    [{ ...minimal, container: {} }, 'container.port: missing (expected an integer 1-65535)'],
    [
      { ...minimal, healthCheck: { path: 'health' } },
      'healthCheck.path: expected a path starting with /, got "health"',
    ],
    [{ ...minimal, healthCheck: { intervalMs: 1 } }, 'healthCheck.intervalMs: expected an integer >= 10, got 1'],
    [
      { ...minimal, healthCheck: { timeoutSeconds: '30' } },
      'healthCheck.timeoutSeconds: expected a number > 0, got "30"',
    ],
    [
      { ...minimal, registry: { bucket: 'artifacts/registry' } },
      'registry.bucket: expected an s3://bucket/prefix URL, got "artifacts/registry"',
    ],
    [
      [minimal],
      '(document): expected a JSON object, got [{"name":"app","image":"sample-app:v1","container":{"port":8080}}]',
    ],
    ['"app"', '(document): expected a JSON object, got "app"'],
  ])('describes %j as %j', (document, problem) => {
    expect(problemsOf(document)).toEqual([problem]);
  });

  it.each([
    ['{"name": "app",}', 'invalid JSON at line 1, column 16: Expected double-quoted property name'],
    [
      '{\n  "name": "app"\n  "image": "x"\n}',
      "invalid JSON at line 3, column 3: Expected ',' or '}' after property value",
    ],
    ['{"name": "app"', "invalid JSON at line 1, column 15: Expected ',' or '}' after property value"],
    ['{"name": "ap', 'invalid JSON at line 1, column 13: Unterminated string'],
    ['{"name":', 'invalid JSON at line 1, column 9: Unexpected end of JSON input'],
    ['{"a": 1}\n{', 'invalid JSON at line 2, column 1: Unexpected non-whitespace character after JSON'],
    ['', 'invalid JSON: the document is empty'],
    ['  \n', 'invalid JSON: the document is empty'],
  ])('says where JSON %j is broken', (text, problem) => {
    expect(problemsOf(text)).toEqual([problem]);
  });

  it('puts every problem on its own line of the message', () => {
    try {
      parseConfig(JSON.stringify(withContainer({ port: 'x', cpus: -1 })), 'app.json');
    } catch (error) {
      expect((error as Error).message).toBe(
        'app.json: 2 problems in the config:\n' +
          '  container.port: expected an integer 1-65535, got "x"\n' +
          '  container.cpus: expected a number > 0, got -1',
      );
      return;
    }
    throw new Error('expected a ConfigError');
  });
});

describe('schema file', () => {
  it('is the file the parser uses, and its defaults are CONFIG_DEFAULTS', () => {
    const schema = JSON.parse(readFileSync(configSchemaPath, 'utf8'));
    expect(schema).toEqual(configSchema);
    const health = schema.properties.healthCheck.properties;
    expect({
      path: health.path.default,
      timeoutSeconds: health.timeoutSeconds.default,
      intervalMs: health.intervalMs.default,
    }).toEqual(CONFIG_DEFAULTS.healthCheck);
    const container = schema.properties.container.properties;
    expect({
      restartPolicy: container.restartPolicy.default,
      init: container.init.default,
      stopTimeoutSeconds: container.stopTimeoutSeconds.default,
    }).toEqual(CONFIG_DEFAULTS.container);
  });
});
