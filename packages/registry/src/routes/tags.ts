import type { RequestContext } from '../context.js';
import { sendJson } from '../context.js';
import { RegistryError } from '../errors.js';
import { layout } from '../layout.js';
import { isValidTag } from '../names.js';

export interface Page {
  readonly items: string[];
  /** The query of the next page, when there is one. */
  readonly next?: { n: number; last: string } | undefined;
}

/** Applies the spec's `n` and `last` to a sorted list: entries after `last`, at most `n` of them. */
export function paginate(sorted: string[], url: URL): Page {
  const last = url.searchParams.get('last');
  const nParameter = url.searchParams.get('n');
  const after = last === null ? sorted : sorted.filter((item) => item > last);
  if (nParameter === null) return { items: after };
  const n = Number(nParameter);
  if (!Number.isInteger(n) || n < 0)
    throw new RegistryError('PAGINATION_NUMBER_INVALID', 'n must be a non-negative integer');
  const items = after.slice(0, n);
  const lastItem = items.at(-1);
  return { items, next: after.length > n && lastItem !== undefined ? { n, last: lastItem } : undefined };
}

export function linkHeader(path: string, page: Page): Record<string, string> {
  if (!page.next) return {};
  const query = new URLSearchParams({ n: String(page.next.n), last: page.next.last });
  return { Link: `<${path}?${query}>; rel="next"` };
}

/** GET `/v2/<name>/tags/list`: tags in lexical order, paginated with `n`/`last` and a `Link` to the next page. */
export async function listTags(context: RequestContext): Promise<void> {
  const { storage, repository } = context;
  if ((await storage.listChildren(layout.repository(repository))).length === 0) {
    throw new RegistryError('NAME_UNKNOWN', 'repository name not known to registry', { name: repository });
  }
  const tags = (await storage.listChildren(layout.tags(repository))).filter(isValidTag).sort();
  const page = paginate(tags, context.url);
  const path = `/v2/${repository}/tags/list`;
  sendJson(context.response, 200, { name: repository, tags: page.items }, linkHeader(path, page));
}
