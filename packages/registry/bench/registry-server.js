// The registry under benchmark, in its own process so the bench can read its peak RSS (VmHWM) from /proc.
// Plain JS on the built dist: no TypeScript loader in the measured process. Usage: node registry-server.js DIR PORT
import { startRegistry } from '../dist/index.js';

const [storage, port] = process.argv.slice(2);
const registry = await startRegistry({ storage, listen: `127.0.0.1:${port}` });
process.stdout.write(`${registry.url}\n`);
process.on('SIGTERM', () => {
  registry.close(1000).then(() => process.exit(0));
});
