import { execFile } from 'node:child_process';
import { AdapterError } from '../../sdk/adapter-error';
import { errorMessage } from '../../sdk/error-message';

/** What a speaker may print (its diagnostics); more is cut off. */
const MAX_OUTPUT_BYTES = 1024 * 1024;

/**
 * Runs a speech synthesiser's process (Flite's WASI child, Festival's `text2wave`) to its end,
 * killed on abort or past `budgetMs`. A run past its budget or a failure on the text is 422
 * (the speakers are deterministic: the same text fails again), a process that cannot start is
 * retryable. `name` names the speaker in the messages.
 */
export function runSpeaker(
  name: string,
  command: string,
  args: string[],
  budgetMs: number,
  signal: AbortSignal,
): Promise<void> {
  const timeout = AbortSignal.timeout(budgetMs);
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        signal: AbortSignal.any([signal, timeout]),
        killSignal: 'SIGKILL',
        maxBuffer: MAX_OUTPUT_BYTES,
        encoding: 'utf8',
        windowsHide: true,
      },
      (error, _stdout, stderr) => {
        if (!error) return resolve();
        if (signal.aborted) return reject(signal.reason);
        if (timeout.aborted) {
          return reject(
            new AdapterError(
              'unprocessable_input',
              `the text took too long to speak: ${name} did not finish within its time budget of ${budgetMs} ms`,
              { details: { budgetMs }, cause: error },
            ),
          );
        }
        const exit = error as NodeJS.ErrnoException & {
          code?: number | string;
          signal?: NodeJS.Signals | null;
        };
        if (typeof exit.code !== 'number' && !exit.signal) {
          // The process never ran (none could be started): not the text's fault, and may pass.
          return reject(
            new AdapterError('adapter_failed', `cannot start ${name}: ${errorMessage(error)}`, {
              retryable: true,
              cause: error,
            }),
          );
        }
        const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
        reject(
          AdapterError.unprocessable(
            `${name} failed on this text (it ${how})${stderr.trim() ? `: ${stderr.trim().slice(0, 300)}` : ''}`,
            error,
          ),
        );
      },
    );
  });
}
