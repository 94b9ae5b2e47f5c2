export { type BackendState, describeState, newSwitchId, type SwitchCommand, stateOf } from './backend-state.js';
export { type RedisKeys, redisKeys, type SwitchAck } from './redis-keys.js';
export {
  parseAck,
  parseBackendState,
  type RedisSwitchResult,
  readBackendState,
  restoreBackendState,
  SwitchError,
  switchViaAdmin,
  switchViaRedis,
} from './switch-backend.js';
