export { createS3Client, type S3ClientOptions } from './client.js';
