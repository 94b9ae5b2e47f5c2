export { HtpasswdAuth } from './auth.js';
export { type DigestAlgorithm, digestOf, parseDigest } from './digest.js';
export {
  BlobUnknownError,
  DigestInvalidError,
  ManifestUnknownError,
  NameInvalidError,
  RegistryConfigError,
  RegistryError,
  type RegistryErrorCode,
  UploadUnknownError,
} from './errors.js';
export { mediaTypes } from './manifest.js';
export { isValidRepositoryName, isValidTag } from './names.js';
export {
  createRegistryHandler,
  type RegistryHandler,
  type RegistryOptions,
  type RunningRegistry,
  startRegistry,
} from './registry.js';
export { DirectoryStorage } from './storage/directory.js';
export { openStorage } from './storage/open.js';
// S3Storage is a type here so importing the package does not load the AWS SDK; openStorage builds one on demand.
export type { S3Storage, S3StorageOptions } from './storage/s3.js';
export type { ByteRange, Storage } from './storage/storage.js';
export { StorageNotFoundError } from './storage/storage.js';
export { TieredStorage } from './storage/tiered.js';
export { UploadSessions } from './uploads.js';
