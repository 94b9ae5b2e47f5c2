export { createS3Client, type S3ClientOptions } from './client.js';
export {
  ConfigSourceError,
  type ConfigText,
  type FetchConfigOptions,
  fetchConfigText,
} from './config-source.js';
export { type GetObjectOptions, getObjectStream, getObjectText } from './get-object.js';
export { S3Error, type S3ErrorCode, toS3Error } from './s3-error.js';
export { formatS3Url, parseS3Url, type S3Location, type S3Url } from './url.js';
export { configUrlFromUserdata, readUserdataConfigUrl, type UserdataOptions } from './userdata.js';
