export function isPrimaryMessage(message) {
    return (typeof message === 'object' &&
        message !== null &&
        typeof message.wunderproxy === 'string');
}
export const isWorkerMessage = isPrimaryMessage;
//# sourceMappingURL=worker-messages.js.map