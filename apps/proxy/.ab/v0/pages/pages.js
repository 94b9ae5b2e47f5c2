const titles = {
    'no-backend': 'No backend is configured',
    'backend-unreachable': 'The application is not reachable',
    'backend-error': 'The application closed the connection',
    timeout: 'The application did not answer in time',
    drain: 'The request did not finish before its old backend was retired',
    maintenance: 'Down for maintenance',
};
function html(status, title, detail) {
    return Buffer.from(`<!doctype html><html><head><meta charset="utf-8"><title>${status} ${title}</title>` +
        '<style>body{font:16px system-ui,sans-serif;margin:4em auto;max-width:36em;color:#333}</style></head>' +
        `<body><h1>${title}</h1><p>${detail}</p></body></html>\n`);
}
// Built once: the error path must stay fast when a backend is down and every request lands here.
const pages = new Map();
for (const [reason, title] of Object.entries(titles)) {
    const status = reason === 'maintenance' ? 503 : reason === 'timeout' || reason === 'drain' ? 504 : 502;
    const detail = reason === 'maintenance' ? 'We will be back shortly.' : 'Please try again in a moment.';
    pages.set(`${status} ${reason}`, html(status, title, detail));
}
const builtInMaintenancePage = pages.get('503 maintenance');
let maintenancePage = builtInMaintenancePage;
let retryAfter = '30';
/**
 * Sets the maintenance page (from `--maintenance-page FILE`, or the built-in one when undefined) and its
 * Retry-After seconds. Process-wide: a proxy started later in the same process replaces it.
 */
export function configureMaintenancePage(page, retryAfterSeconds) {
    maintenancePage = page ?? builtInMaintenancePage;
    retryAfter = String(retryAfterSeconds);
}
export function sendPage(res, status, reason) {
    const body = reason === 'maintenance' ? maintenancePage : (pages.get(`${status} ${reason}`) ?? html(status, titles[reason], ''));
    const headers = {
        'content-type': 'text/html; charset=utf-8',
        'content-length': body.length,
        'cache-control': 'no-store',
        'x-wunderproxy-error': reason,
    };
    if (status === 503)
        headers['retry-after'] = retryAfter;
    res.writeHead(status, headers);
    res.end(res.req.method === 'HEAD' ? undefined : body);
}
//# sourceMappingURL=pages.js.map