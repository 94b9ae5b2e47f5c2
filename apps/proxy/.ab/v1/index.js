export { proxyDefaults } from './defaults.js';
export { ListenError, listenOn, parseListenAddress } from './listen-address.js';
export { startProxy } from './proxy-server.js';
export { InvalidSwitchError, parseSwitchCommand } from './switch-command.js';
//# sourceMappingURL=index.js.map