export { proxyDefaults } from './defaults.js';
export { ListenError, listenOn, parseListenAddress } from './listen-address.js';
export { type ProxyOptions, type RunningProxy, startProxy } from './proxy-server.js';
export { InvalidSwitchError, parseSwitchCommand } from './switch-command.js';
export type { SwitchControl } from './switch-control.js';
//# sourceMappingURL=index.d.ts.map