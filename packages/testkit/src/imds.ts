import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An EC2 instance metadata service (IMDSv2 only) on a loopback port. Point the SDK at it with
 * `AWS_EC2_METADATA_SERVICE_ENDPOINT=endpoint`: both `@aws-sdk/ec2-metadata-service` and the default credential
 * chain's instance-profile provider honour it.
 *
 * Serving the S3 test server's own keys as instance-profile credentials lets a test prove that an S3 request was
 * signed with credentials from IMDS (the session token is ignored by Swift's tempauth, the signature is not).
 */
export interface ImdsServer {
  /** `http://127.0.0.1:PORT`, for AWS_EC2_METADATA_SERVICE_ENDPOINT */
  readonly endpoint: string;
  /** The path of every request seen, in order (e.g. `/latest/user-data`), as sent (routing collapses `//`). */
  readonly requests: string[];
  /** Replaces the user data; undefined makes `/latest/user-data` answer 404 like an instance without any. */
  setUserData(userData: string | undefined): void;
  stop(): Promise<void>;
}

export interface ImdsOptions {
  userData?: string | undefined;
  /** Served as the instance profile's credentials; without them the instance has no role (404). */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** The instance profile's role name. */
  roleName?: string | undefined;
}

const TOKEN_PATH = '/latest/api/token';
const CREDENTIALS_PATH = '/latest/meta-data/iam/security-credentials/';
const MAX_TOKEN_TTL_SECONDS = 21_600;

interface ImdsAnswer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

const NOT_FOUND: ImdsAnswer = { status: 404, body: 'Not Found' };

export async function startImds(options: ImdsOptions = {}): Promise<ImdsServer> {
  let userData = options.userData;
  const roleName = options.roleName ?? 'wunderproxy-test-role';
  const tokens = new Map<string, number>();
  const requests: string[] = [];

  const route = (request: IncomingMessage, path: string): ImdsAnswer => {
    if (path === TOKEN_PATH) {
      if (request.method !== 'PUT') return { status: 405, body: 'Method Not Allowed' };
      const ttl = Number(request.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_SECONDS) return { status: 400, body: 'Bad Request' };
      const token = randomUUID();
      tokens.set(token, Date.now() + ttl * 1000);
      return { status: 200, body: token, headers: { 'x-aws-ec2-metadata-token-ttl-seconds': String(ttl) } };
    }
    if (request.method !== 'GET') return { status: 405, body: 'Method Not Allowed' };
    const token = request.headers['x-aws-ec2-metadata-token'];
    const expires = typeof token === 'string' ? tokens.get(token) : undefined;
    if (expires === undefined || expires < Date.now()) return { status: 401, body: 'Unauthorized' };

    if (path === '/latest/user-data') {
      return userData === undefined ? NOT_FOUND : { status: 200, body: userData };
    }
    if (options.credentials === undefined) return NOT_FOUND;
    if (path === CREDENTIALS_PATH) return { status: 200, body: roleName };
    if (path !== `${CREDENTIALS_PATH}${roleName}`) return NOT_FOUND;
    const now = new Date();
    const document = {
      Code: 'Success',
      LastUpdated: now.toISOString(),
      Type: 'AWS-HMAC',
      AccessKeyId: options.credentials.accessKeyId,
      SecretAccessKey: options.credentials.secretAccessKey,
      Token: `imds-session-token-${randomUUID()}`,
      Expiration: new Date(now.getTime() + 6 * 3600_000).toISOString(),
    };
    return { status: 200, body: JSON.stringify(document), headers: { 'content-type': 'application/json' } };
  };

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const rawPath = (request.url ?? '/').split('?')[0]!;
    requests.push(rawPath);
    const answer = route(request, rawPath.replace(/\/{2,}/g, '/'));
    response.writeHead(answer.status, {
      'content-type': 'text/plain',
      'content-length': Buffer.byteLength(answer.body),
      ...answer.headers,
    });
    response.end(answer.body);
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    setUserData(next: string | undefined): void {
      userData = next;
    },
    async stop(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  } satisfies ImdsServer;
}
