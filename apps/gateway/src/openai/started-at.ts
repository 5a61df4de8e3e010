/** Unix seconds when this process loaded the facade: every model's `created`. */
export const STARTED_AT = Math.floor(Date.now() / 1000);
