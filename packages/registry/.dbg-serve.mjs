import { startRegistry } from './dist/index.js';
import pino from 'pino';
const r = await startRegistry({ storage: process.argv[2], listen: '127.0.0.1:' + process.argv[3], logger: pino({ level: 'debug' }) });
