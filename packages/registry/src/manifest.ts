import { RegistryError } from './errors.js';

export const mediaTypes = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

const supportedMediaTypes = new Set<string>(Object.values(mediaTypes));

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: unknown;
}

/** What the registry needs to know of a pushed manifest: the blobs and manifests it points to, and its subject. */
export interface ParsedManifest {
  readonly mediaType: string;
  /** true for manifest lists and OCI indexes: their entries are manifests, not blobs. */
  readonly isIndex: boolean;
  readonly references: readonly Descriptor[];
  readonly subject?: Descriptor | undefined;
  readonly artifactType?: string | undefined;
  readonly annotations?: Record<string, string> | undefined;
}

/** Limits memory per manifest PUT; distribution and the spec's conformance tests use 4 MiB too. */
export const maxManifestBytes = 4 * 1024 * 1024;

/**
 * Parses and checks a manifest body. The media type comes from the body's `mediaType` when present (it must then match
 * Content-Type), else from Content-Type; OCI manifests may omit `mediaType`.
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined): ParsedManifest {
  let document: Record<string, unknown>;
  try {
    document = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new RegistryError('MANIFEST_INVALID', 'manifest is not valid JSON');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new RegistryError('MANIFEST_INVALID', 'manifest is not a JSON object');
  }
  const declared = typeof document.mediaType === 'string' ? document.mediaType : undefined;
  const header = contentType?.split(';')[0]?.trim();
  if (declared && header && header !== declared && supportedMediaTypes.has(header)) {
    throw new RegistryError('MANIFEST_INVALID', 'Content-Type does not match the manifest mediaType', {
      contentType: header,
      mediaType: declared,
    });
  }
  const mediaType = declared ?? header ?? guessMediaType(document);
  if (!supportedMediaTypes.has(mediaType)) {
    throw new RegistryError('MANIFEST_INVALID', `unsupported manifest media type ${mediaType}`);
  }
  const isIndex = mediaType === mediaTypes.ociIndex || mediaType === mediaTypes.dockerManifestList;
  const references: Descriptor[] = [];
  if (isIndex) {
    if (!Array.isArray(document.manifests)) throw new RegistryError('MANIFEST_INVALID', 'index without manifests');
    for (const entry of document.manifests) references.push(checkDescriptor(entry, 'manifests'));
  } else {
    if (document.schemaVersion !== 2) throw new RegistryError('MANIFEST_INVALID', 'schemaVersion must be 2');
    references.push(checkDescriptor(document.config, 'config'));
    if (!Array.isArray(document.layers)) throw new RegistryError('MANIFEST_INVALID', 'manifest without layers');
    for (const layer of document.layers) references.push(checkDescriptor(layer, 'layers'));
  }
  const subject = document.subject === undefined ? undefined : checkDescriptor(document.subject, 'subject');
  const config = isIndex ? undefined : references[0];
  const artifactType =
    typeof document.artifactType === 'string'
      ? document.artifactType
      : config && config.mediaType !== 'application/vnd.oci.empty.v1+json'
        ? config.mediaType
        : undefined;
  const annotations = isStringRecord(document.annotations) ? document.annotations : undefined;
  return { mediaType, isIndex, references, subject, artifactType, annotations };
}

function guessMediaType(document: Record<string, unknown>): string {
  return Array.isArray(document.manifests) ? mediaTypes.ociIndex : mediaTypes.ociManifest;
}

function checkDescriptor(value: unknown, field: string): Descriptor {
  const candidate = value as Partial<Descriptor> | undefined;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.digest !== 'string' ||
    typeof candidate.size !== 'number' ||
    typeof candidate.mediaType !== 'string'
  ) {
    throw new RegistryError('MANIFEST_INVALID', `invalid descriptor in ${field}`);
  }
  return candidate as Descriptor;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string');
}
