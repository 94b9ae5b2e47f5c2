import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import { ConfigSourceError } from './config-source.js';

/** `source` of the errors below: where the URL was looked for. */
const USERDATA = 'EC2 instance userdata';

/** The URL schemes a config can be fetched from (see fetchConfigText). */
const CONFIG_URL = /^(?:s3|https?|file):\/\/\S+$/i;

/**
 * The config URL that EC2 userdata names: the value of the last `WUNDERPROXY_CONFIG=URL` line (optionally
 * `export `-prefixed, optionally quoted, so it can sit in a cloud-init shell script), or the userdata itself when it
 * is nothing but one URL. Undefined when it names none.
 */
export function configUrlFromUserdata(userdata: string): string | undefined {
  let found: string | undefined;
  for (const line of userdata.split(/\r?\n/)) {
    const assignment = /^\s*(?:export\s+)?WUNDERPROXY_CONFIG=(.*)$/.exec(line);
    if (assignment === null) continue;
    found = shellValue(assignment[1]!);
  }
  if (found !== undefined) return found === '' ? undefined : found;
  const whole = userdata.trim();
  return CONFIG_URL.test(whole) ? whole : undefined;
}

/** The value of a simple shell word: 'single' or "double" quoted, or bare up to whitespace or a comment. */
function shellValue(raw: string): string {
  const quoted = /^(["'])(.*?)\1/.exec(raw);
  if (quoted !== null) return quoted[2]!.trim();
  return raw.split(/\s/)[0]!.trim();
}

export interface UserdataOptions {
  /** IMDS endpoint; defaults to AWS_EC2_METADATA_SERVICE_ENDPOINT, then http://169.254.169.254. */
  endpoint?: string | undefined;
  /** Per attempt; default 2 s (IMDS answers in milliseconds; off EC2 the link-local address never answers). */
  timeoutMs?: number | undefined;
  /** Retries after a failed attempt (not after a 404); default 2. */
  retries?: number | undefined;
}

/**
 * Reads the config URL from this EC2 instance's userdata over IMDSv2 (see {@link configUrlFromUserdata}).
 * Throws {@link ConfigSourceError} when IMDS cannot be reached, the instance has no userdata, or it names no URL.
 */
export async function readUserdataConfigUrl(options: UserdataOptions = {}): Promise<string> {
  const endpoint = options.endpoint ?? process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
  const service = new MetadataService({
    ...(endpoint === undefined ? {} : { endpoint }),
    httpOptions: { timeout: options.timeoutMs ?? 2_000 },
    retries: options.retries ?? 2,
    backoff: 0.2,
  });
  // MetadataService appends the path to the endpoint's path, which is "/" for a bare host.
  const endpointPath = endpoint === undefined ? '/' : new URL(endpoint).pathname;
  const path = endpointPath.endsWith('/') ? 'latest/user-data' : '/latest/user-data';

  let userdata: string;
  try {
    userdata = await service.request(path, {});
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) {
      throw new ConfigSourceError(USERDATA, 'this instance has no userdata (IMDS answered 404)', error);
    }
    const where = endpoint ?? 'http://169.254.169.254';
    throw new ConfigSourceError(USERDATA, `cannot read it from IMDS at ${where}: ${(error as Error).message}`, error);
  }
  const url = configUrlFromUserdata(userdata);
  if (url === undefined) {
    throw new ConfigSourceError(
      USERDATA,
      'names no config URL (expected a line WUNDERPROXY_CONFIG=s3://bucket/key, or userdata that is just the URL)',
    );
  }
  return url;
}
