import type { Server } from 'node:net';
export interface ListenAddress {
    host: string;
    port: number;
}
/** A flag's listen address was not usable; the CLI turns this into one line and exit code 2. */
export declare class ListenError extends Error {
    readonly code = "LISTEN_FAILED";
    constructor(message: string);
}
/** Parses `HOST:PORT`, `:PORT`, `PORT` or `[IPv6]:PORT`; `flag` names the option in the error. */
export declare function parseListenAddress(value: string, flag: string, defaultHost?: string): ListenAddress;
/** Listens, turning EADDRINUSE/EACCES into a ListenError that names the flag and address. */
export declare function listenOn(server: Server, address: ListenAddress, flag: string): Promise<number>;
//# sourceMappingURL=listen-address.d.ts.map