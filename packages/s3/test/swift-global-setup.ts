import { type S3Server, startSwift } from '@wunderproxy/testkit/swift';
import type { TestProject } from 'vitest/node';

export const CONFIG_BUCKET = 'configs';

declare module 'vitest' {
  export interface ProvidedContext {
    swift: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
  }
}

let swift: S3Server | undefined;

export async function setup(project: TestProject): Promise<void> {
  swift = await startSwift();
  await swift.createBucket(CONFIG_BUCKET);
  project.provide('swift', {
    endpoint: swift.endpoint,
    region: swift.region,
    accessKeyId: swift.accessKeyId,
    secretAccessKey: swift.secretAccessKey,
  });
}

export async function teardown(): Promise<void> {
  await swift?.stop();
}
