import type { IncomingMessage, ServerResponse } from 'node:http';
import type pino from 'pino';
import type { Storage } from './storage/storage.js';
import type { UploadSessions } from './uploads.js';

/** What one request handler gets: the request, its parsed URL and path parameters, and the registry's parts. */
export interface RequestContext {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly url: URL;
  /** The repository name from the path, already validated. */
  readonly repository: string;
  /** The path segment after the route (digest, tag or upload uuid). */
  readonly reference: string;
  readonly storage: Storage;
  readonly uploads: UploadSessions;
  readonly logger: pino.Logger;
}

export type RouteHandler = (context: RequestContext) => Promise<void>;

/** Sends a JSON body with an exact Content-Length. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const bytes = Buffer.from(JSON.stringify(body));
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': bytes.length, ...headers });
  response.end(bytes);
}

/** Ends an answer without a body (Content-Length 0 unless the headers say otherwise). */
export function sendEmpty(
  response: ServerResponse,
  status: number,
  headers: Record<string, string | number> = {},
): void {
  response.writeHead(status, { 'Content-Length': 0, ...headers });
  response.end();
}

/** Reads a small request body (manifests) with a size limit, so a huge body cannot exhaust memory. */
export async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
