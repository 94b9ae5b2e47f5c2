export { createLauncherApi, type LauncherApiOptions } from './api.js';
export { launcherDefaults } from './defaults.js';
export { DeployLog, type DeployStep, formatDuration, type LogFormat } from './deploy-log.js';
export { type DeployOutcome, type DeployRecord, newDeployId } from './deploy-record.js';
export { DeployError } from './errors.js';
export { type HealthGateResult, waitUntilHealthy } from './health-gate.js';
export { DeployHistory, type LoadedHistory } from './history.js';
export { cliTrigger, type DeployRequest, Launcher, type LauncherOptions, type RollbackRequest } from './launcher.js';
export { ProxyLink, type ProxyLinkOptions } from './proxy-link.js';
