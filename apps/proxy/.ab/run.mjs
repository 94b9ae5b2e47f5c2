import { pino } from 'pino';
const { startProxy } = await import(`./${process.argv[2]}/index.js`);
await startProxy({ listen: `127.0.0.1:${process.argv[3]}`, admin: null, backend: 'http://127.0.0.1:9301', name: 'app', drainTimeoutMs: 1000, backendTimeoutMs: 60000, healthCheckPath: '/healthz', logger: pino({ level: 'warn' }) });
process.on('SIGTERM', () => process.exit(0));
