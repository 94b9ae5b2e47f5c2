import http from 'node:http';

export interface TextResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with node:http (so agents, raw headers and bodies are under the test's control). */
export function request(
  url: string,
  options: {
    method?: string;
    headers?: http.OutgoingHttpHeaders | string[];
    body?: string | Buffer;
    agent?: http.Agent | false;
  } = {},
): Promise<TextResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: options.agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
