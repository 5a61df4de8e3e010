import { setMaxListeners } from 'node:events';

/**
 * An AbortController whose signal every running hop of a process follows (a shutdown's): as many
 * `abort` listeners as hops under way, which past ten Node would warn of as a leak
 * (MaxListenersExceededWarning) though each hop removes its own when it ends.
 */
export function sharedAbortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
