export { proxyDefaults } from './defaults.js';
export { ListenError, listenOn, parseListenAddress } from './listen-address.js';
export { missingNodeFlags, proxyNodeFlags } from './node-flags.js';
export { type ProxyOptions, type RunningProxy, startProxy } from './proxy-server.js';
export { InvalidSwitchError, parseSwitchCommand } from './switch-command.js';
export type { SwitchControl } from './switch-control.js';
