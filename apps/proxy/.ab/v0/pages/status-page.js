/** The status page: a static shell that polls /status.json, so rendering costs the proxy nothing. */
export const statusPageHtml = `<!doctype html>
<html><head><meta charset="utf-8"><title>wunderproxy status</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}
.bars{display:flex;align-items:flex-end;height:80px;gap:1px}.bars div{width:3px;background:#4a8}.bars div.err{background:#c44}
</style></head><body>
<h1>wunderproxy <small id="name"></small></h1>
<p>Backend: <b id="backend">…</b> since <span id="since"></span> (switch <code id="switch"></code>)</p>
<h2>Connections</h2><table id="connections"></table>
<h2>Status codes, last 5 minutes</h2><div class="bars" id="bars"></div><table id="requests"></table>
<h2>Response time (ms)</h2><table id="latency"></table>
<script>
const row = (cells, tag = 'td') => '<tr>' + cells.map((c) => '<' + tag + '>' + c + '</' + tag + '>').join('') + '</tr>';
async function refresh() {
  const s = await (await fetch('status.json')).json();
  document.getElementById('name').textContent = s.name;
  document.getElementById('backend').textContent = s.backend.maintenance ? 'maintenance' : (s.backend.url || 'none');
  document.getElementById('since').textContent = s.backend.since;
  document.getElementById('switch').textContent = s.backend.id;
  const c = s.stats.connections;
  document.getElementById('connections').innerHTML = row(['open', 'active', 'idle', 'websockets', 'draining backends'], 'th') +
    row([c.open, c.active, c.idle, c.websockets, s.drainingBackends]);
  const r = s.stats.requests;
  document.getElementById('requests').innerHTML = row(['2xx', '3xx', '4xx', '5xx'], 'th') + row([r['2xx'], r['3xx'], r['4xx'], r['5xx']]);
  const max = Math.max(1, ...s.stats.statusOverTime.map((x) => x.counts['2xx'] + x.counts['3xx'] + x.counts['4xx'] + x.counts['5xx']));
  document.getElementById('bars').innerHTML = s.stats.statusOverTime.map((x) => {
    const total = x.counts['2xx'] + x.counts['3xx'] + x.counts['4xx'] + x.counts['5xx'];
    return '<div class="' + (x.counts['5xx'] ? 'err' : '') + '" title="' + new Date(x.t * 1000).toISOString() + ' ' + total + '" style="height:' + (80 * total / max) + 'px"></div>';
  }).join('');
  const l = s.stats.latencyMs;
  document.getElementById('latency').innerHTML = row(['window', 'count', 'p50', 'p90', 'p99', 'p99.9', 'max'], 'th') +
    ['sinceStart', 'lastMinute'].map((k) => row([k, l[k].count, l[k].p50, l[k].p90, l[k].p99, l[k].p999, l[k].max])).join('');
}
refresh(); setInterval(refresh, 2000);
</script></body></html>
`;
//# sourceMappingURL=status-page.js.map