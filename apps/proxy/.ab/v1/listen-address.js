/** A flag's listen address was not usable; the CLI turns this into one line and exit code 2. */
export class ListenError extends Error {
    code = 'LISTEN_FAILED';
    constructor(message) {
        super(message);
        this.name = 'ListenError';
    }
}
/** Parses `HOST:PORT`, `:PORT`, `PORT` or `[IPv6]:PORT`; `flag` names the option in the error. */
export function parseListenAddress(value, flag, defaultHost = '0.0.0.0') {
    const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value) ?? /^()()(\d+)$/.exec(value);
    const port = match ? Number(match[3]) : Number.NaN;
    if (!match || !Number.isInteger(port) || port < 0 || port > 65535) {
        throw new ListenError(`${flag}: expected HOST:PORT such as 127.0.0.1:8080, got ${JSON.stringify(value)}`);
    }
    return { host: match[1] || match[2] || defaultHost, port };
}
/** Listens, turning EADDRINUSE/EACCES into a ListenError that names the flag and address. */
export async function listenOn(server, address, flag) {
    await new Promise((resolve, reject) => {
        const onError = (error) => {
            const where = `${address.host}:${address.port}`;
            if (error.code === 'EADDRINUSE')
                reject(new ListenError(`${flag} ${where}: address already in use`));
            else if (error.code === 'EACCES')
                reject(new ListenError(`${flag} ${where}: permission denied`));
            else if (error.code === 'EADDRNOTAVAIL')
                reject(new ListenError(`${flag} ${where}: no such local address`));
            else
                reject(new ListenError(`${flag} ${where}: ${error.message}`));
        };
        server.once('error', onError);
        server.listen(address.port, address.host, () => {
            server.off('error', onError);
            resolve();
        });
    });
    const bound = server.address();
    return typeof bound === 'object' && bound !== null ? bound.port : address.port;
}
//# sourceMappingURL=listen-address.js.map