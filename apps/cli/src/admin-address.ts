/**
 * `--admin` is `HOST:PORT` for the proxy (where it listens) and a URL for the commands that call it; a shared env
 * file sets one `WUNDERPROXY_ADMIN` for both, so each side accepts either form.
 */
export function adminUrlOf(value: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
}

export function adminListenOf(value: string): string {
  return value.replace(/^http:\/\//i, '').replace(/\/+$/, '');
}
