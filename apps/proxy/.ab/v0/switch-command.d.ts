import { type SwitchCommand } from '@wunderproxy/proxy-client';
/** A switch request that was refused; `message` names the field and what was expected. */
export declare class InvalidSwitchError extends Error {
    /** The switch id, when the message carried a usable one (so the refusal can be acked). */
    readonly id?: string | undefined;
    readonly code = "INVALID_SWITCH";
    constructor(message: string, 
    /** The switch id, when the message carried a usable one (so the refusal can be acked). */
    id?: string | undefined);
}
/** Checks a backend URL: http(s), a host, and nothing after the port (the proxy forwards the request's own path). */
export declare function checkBackendUrl(raw: string): string;
/**
 * Turns untrusted input (a parsed JSON value) into a switch command, or throws InvalidSwitchError.
 * `requireId`: Redis messages must carry the id their sender waits for; admin API calls get one generated.
 */
export declare function parseSwitchCommand(input: unknown, { requireId }: {
    requireId: boolean;
}): SwitchCommand;
/** Parses raw text (a Redis message or request body) with a size limit before JSON.parse sees it. */
export declare function parseSwitchText(text: string, options: {
    requireId: boolean;
    maxBytes: number;
}): SwitchCommand;
//# sourceMappingURL=switch-command.d.ts.map