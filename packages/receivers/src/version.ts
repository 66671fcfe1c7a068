/** Reported as service.version and the meter version. */
export const VERSION = '0.1.0';
