import { newSwitchId } from '@wunderproxy/proxy-client';
import { Ajv } from 'ajv';
/** A switch request that was refused; `message` names the field and what was expected. */
export class InvalidSwitchError extends Error {
    id;
    code = 'INVALID_SWITCH';
    constructor(message, 
    /** The switch id, when the message carried a usable one (so the refusal can be acked). */
    id) {
        super(message);
        this.id = id;
        this.name = 'InvalidSwitchError';
    }
}
// One schema for both edges (admin API body and Redis message); the URL itself is checked with WHATWG URL below,
// because a JSON Schema `format: uri` accepts `javascript:` and friends.
const schema = {
    type: 'object',
    additionalProperties: false,
    properties: {
        id: { type: 'string', minLength: 1, maxLength: 200 },
        url: { type: 'string', minLength: 1, maxLength: 2048 },
        maintenance: { type: 'boolean' },
    },
};
const validate = new Ajv({ allErrors: false, strict: true }).compile(schema);
function describe(error) {
    const field = error.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'body';
    if (error.keyword === 'additionalProperties') {
        return `${error.params.additionalProperty}: unknown field (expected id, url or maintenance)`;
    }
    return `${field}: ${error.message ?? 'invalid'}`;
}
/** Checks a backend URL: http(s), a host, and nothing after the port (the proxy forwards the request's own path). */
export function checkBackendUrl(raw) {
    let url;
    try {
        url = new URL(raw);
    }
    catch {
        throw new InvalidSwitchError(`url: expected an http(s) URL such as http://127.0.0.1:32768, got ${JSON.stringify(raw)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new InvalidSwitchError(`url: expected an http or https URL, got protocol "${url.protocol.replace(':', '')}"`);
    }
    if (url.username !== '' || url.password !== '')
        throw new InvalidSwitchError('url: credentials in the URL are not supported');
    if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
        throw new InvalidSwitchError(`url: expected scheme://host:port with no path, query or fragment, got ${JSON.stringify(raw)}`);
    }
    return url.origin;
}
/**
 * Turns untrusted input (a parsed JSON value) into a switch command, or throws InvalidSwitchError.
 * `requireId`: Redis messages must carry the id their sender waits for; admin API calls get one generated.
 */
export function parseSwitchCommand(input, { requireId }) {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new InvalidSwitchError('body: expected a JSON object such as {"url": "http://127.0.0.1:32768"}');
    }
    const candidateId = input.id;
    const id = typeof candidateId === 'string' && candidateId.length > 0 && candidateId.length <= 200 ? candidateId : undefined;
    if (!validate(input)) {
        throw new InvalidSwitchError(validate.errors?.[0] ? describe(validate.errors[0]) : 'body: invalid', id);
    }
    const body = input;
    if (requireId && body.id === undefined)
        throw new InvalidSwitchError('id: required (a unique string the acks refer to)');
    const switchId = body.id ?? newSwitchId();
    if (body.maintenance === true) {
        if (body.url !== undefined)
            throw new InvalidSwitchError('url: must not be given with "maintenance": true', id);
        return { id: switchId, maintenance: true };
    }
    if (body.url === undefined) {
        throw new InvalidSwitchError('url: required (or "maintenance": true)', id);
    }
    try {
        return { id: switchId, url: checkBackendUrl(body.url) };
    }
    catch (error) {
        if (error instanceof InvalidSwitchError)
            throw new InvalidSwitchError(error.message, id);
        throw error;
    }
}
/** Parses raw text (a Redis message or request body) with a size limit before JSON.parse sees it. */
export function parseSwitchText(text, options) {
    if (Buffer.byteLength(text) > options.maxBytes) {
        throw new InvalidSwitchError(`body: larger than ${options.maxBytes} bytes`);
    }
    let value;
    try {
        value = JSON.parse(text);
    }
    catch (error) {
        throw new InvalidSwitchError(`body: not JSON (${error.message})`);
    }
    return parseSwitchCommand(value, options);
}
//# sourceMappingURL=switch-command.js.map