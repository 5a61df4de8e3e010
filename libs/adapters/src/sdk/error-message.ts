/** The message of anything thrown, for wrapping it in an AdapterError that keeps it as `cause`. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
