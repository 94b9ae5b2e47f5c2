import { createHash } from 'node:crypto';
import { request } from 'node:http';

export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function sha512(bytes: Uint8Array | string): string {
  return `sha512:${createHash('sha512').update(bytes).digest('hex')}`;
}

/** The spec's error body. */
export interface ErrorBody {
  errors: { code: string; message: string; detail?: unknown }[];
}

export async function errorCode(response: Response): Promise<string | undefined> {
  const body = (await response.json()) as ErrorBody;
  return body.errors[0]?.code;
}

/** Pushes bytes as one blob with a monolithic POST and returns its digest. */
export async function pushBlob(base: string, repository: string, bytes: Uint8Array | string): Promise<string> {
  const digest = sha256(bytes);
  const response = await fetch(`${base}/v2/${repository}/blobs/uploads/?digest=${digest}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream' },
    body: bytes,
  });
  if (response.status !== 201) throw new Error(`blob push answered ${response.status}: ${await response.text()}`);
  return digest;
}

export interface PushedManifest {
  readonly digest: string;
  readonly bytes: string;
  readonly size: number;
}

/** A small OCI image manifest over freshly pushed config and layer blobs. */
export async function pushImageManifest(
  base: string,
  repository: string,
  reference: string,
  extra: Record<string, unknown> = {},
  mediaType = 'application/vnd.oci.image.manifest.v1+json',
): Promise<PushedManifest> {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
  const layer = `layer of ${repository} ${reference} ${Math.random()}`;
  const configDigest = await pushBlob(base, repository, config);
  const layerDigest = await pushBlob(base, repository, layer);
  const isDocker = mediaType.includes('docker');
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: {
      mediaType: isDocker
        ? 'application/vnd.docker.container.image.v1+json'
        : 'application/vnd.oci.image.config.v1+json',
      digest: configDigest,
      size: Buffer.byteLength(config),
    },
    layers: [
      {
        mediaType: isDocker
          ? 'application/vnd.docker.image.rootfs.diff.tar.gzip'
          : 'application/vnd.oci.image.layer.v1.tar',
        digest: layerDigest,
        size: Buffer.byteLength(layer),
      },
    ],
    ...extra,
  });
  return await putManifestBytes(base, repository, reference, manifest, mediaType);
}

export async function putManifestBytes(
  base: string,
  repository: string,
  reference: string,
  bytes: string,
  mediaType: string,
): Promise<PushedManifest> {
  const response = await fetch(`${base}/v2/${repository}/manifests/${reference}`, {
    method: 'PUT',
    headers: { 'Content-Type': mediaType },
    body: bytes,
  });
  if (response.status !== 201) throw new Error(`manifest push answered ${response.status}: ${await response.text()}`);
  return { digest: sha256(bytes), bytes, size: Buffer.byteLength(bytes) };
}

/**
 * A request with the path sent exactly as written: fetch would normalise `..` segments away before they reach the
 * registry, which is what the path-traversal tests must avoid.
 */
export async function rawRequest(
  base: string,
  method: string,
  path: string,
): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return await new Promise((resolve, reject) => {
    const outgoing = request({ host: url.hostname, port: url.port, method, path }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}
