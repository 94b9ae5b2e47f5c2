/** Every default of the config document, in one place; the schema's `default` annotations mirror these. */
export const CONFIG_DEFAULTS = {
  healthCheck: {
    /** Any app answers something on `/`; a dedicated health path is better but optional. */
    path: '/',
    /** Long enough for a cold Rails/JVM boot; a deploy that is not healthy by then is rolled back. */
    timeoutSeconds: 60,
    /** One probe a second keeps a slow-booting app's log readable and adds at most 1 s to a deploy. */
    intervalMs: 1000,
  },
  container: {
    /** docker's own default: the launcher, not the daemon, decides when a container should run. */
    restartPolicy: 'no',
    /** Off like docker's default; apps whose PID 1 ignores SIGTERM (busybox httpd) need it on to stop fast. */
    init: false,
    /** docker's default grace between SIGTERM and SIGKILL. */
    stopTimeoutSeconds: 10,
  },
} as const;
