/**
 * Error codes of the OCI distribution-spec v1.1 (plus distribution's TAG_INVALID, PAGINATION_NUMBER_INVALID and
 * RANGE_INVALID), each with the
 * HTTP status the spec pairs it with. The HTTP layer maps a RegistryError to its JSON body in one place (http.ts).
 */
export const errorStatus = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  TAG_INVALID: 400,
  PAGINATION_NUMBER_INVALID: 400,
  RANGE_INVALID: 416,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  NOT_FOUND: 404,
} as const;

export type RegistryErrorCode = keyof typeof errorStatus;

/** An error a client caused; answered with the spec's JSON error body and the status of its code. */
export class RegistryError extends Error {
  readonly status: number;
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'RegistryError';
    this.status = errorStatus[code];
  }
}

export class DigestInvalidError extends RegistryError {
  constructor(message: string, detail?: unknown) {
    super('DIGEST_INVALID', message, detail);
    this.name = 'DigestInvalidError';
  }
}

export class BlobUnknownError extends RegistryError {
  constructor(digest: string) {
    super('BLOB_UNKNOWN', 'blob unknown to registry', { digest });
    this.name = 'BlobUnknownError';
  }
}

export class ManifestUnknownError extends RegistryError {
  constructor(reference: string) {
    super('MANIFEST_UNKNOWN', 'manifest unknown', { reference });
    this.name = 'ManifestUnknownError';
  }
}

export class UploadUnknownError extends RegistryError {
  constructor(uuid: string) {
    super('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry', { uuid });
    this.name = 'UploadUnknownError';
  }
}

export class NameInvalidError extends RegistryError {
  constructor(name: string) {
    super('NAME_INVALID', 'invalid repository name', { name });
    this.name = 'NameInvalidError';
  }
}

/** A storage URL or option the registry cannot work with; raised at start-up, never per request. */
export class RegistryConfigError extends Error {
  /** Bad registry options (storage URL, htpasswd file): the CLI exits 2 for it. */
  readonly code = 'REGISTRY_CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'RegistryConfigError';
  }
}
