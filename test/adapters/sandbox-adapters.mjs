// An adapter module for the sandbox tests (SANDBOX_ADAPTER_MODULES): adapters that misbehave the
// ways a decoder can on hostile input (spin, eat memory, throw what they did not mean to), and
// well-behaved ones that show what crosses the thread boundary. Plain JavaScript, as a package
// outside this repo would be.
import { spawn } from 'node:child_process';

const textToText = (task) => ({ task, inputs: ['text'], output: 'text' });

async function readText(request, context) {
  return (await context.blobs.read(request.inputs[0].blobId)).toString('utf8');
}

const text = (value) => ({ outputs: [{ modality: 'text', mediaType: 'text/plain', text: value }] });

/** Upper-cases its input, reporting progress and a log line, and says which process it ran in. */
class UpperAdapter {
  descriptor = { id: 'sandbox.upper', version: '1.0.0', capabilities: [textToText('upper')] };
  async invoke(request, context) {
    const input = await readText(request, context);
    await context.progress(0.5);
    context.logger.info({ chars: input.length }, 'upper-casing');
    context.onTextDelta?.(input.slice(0, 1).toUpperCase());
    return { ...text(input.toUpperCase()), meta: { pid: process.pid } };
  }
}

/** Busy forever: a decoder stuck in a loop. */
class SpinAdapter {
  descriptor = { id: 'sandbox.spin', version: '1.0.0', capabilities: [textToText('spin')] };
  async invoke() {
    for (;;);
  }
}

/** Allocates until the heap is full: a decoder that believed a header. */
class HogAdapter {
  descriptor = { id: 'sandbox.hog', version: '1.0.0', capabilities: [textToText('hog')] };
  async invoke() {
    const held = [];
    for (;;) held.push(new Array(1 << 22).fill(1.5));
  }
}

/** Holds ever more memory outside the JavaScript heap: buffers, as a decoder of pixels or samples would. */
class BuffersAdapter {
  descriptor = { id: 'sandbox.buffers', version: '1.0.0', capabilities: [textToText('buffers')] };
  async invoke() {
    const held = [];
    for (;;) {
      held.push(Buffer.alloc(16 * 1024 * 1024, 1));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Starts a long-lived child (as ffmpeg would be), says its pid, then spins. */
class OrphanAdapter {
  descriptor = { id: 'sandbox.orphan', version: '1.0.0', capabilities: [textToText('orphan')] };
  async invoke(request, context) {
    const child = spawn('sleep', ['300'], { stdio: 'ignore' });
    context.logger.info({ childPid: child.pid }, 'started a child');
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (;;);
  }
}

/** Throws what it did not mean to, as `Math.max(...values)` does on 200,000 values. */
class RangeAdapter {
  descriptor = { id: 'sandbox.range', version: '1.0.0', capabilities: [textToText('range')] };
  async invoke() {
    throw new RangeError('Maximum call stack size exceeded');
  }
}

/** Waits (not busy) for `ms` of its input, or until aborted; `ignore` in the input: ignores the abort. */
class SleepAdapter {
  descriptor = { id: 'sandbox.sleep', version: '1.0.0', capabilities: [textToText('sleep')] };
  async invoke(request, context) {
    const input = await readText(request, context);
    const ms = Number.parseInt(input, 10);
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      if (input.includes('ignore')) return;
      context.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(context.signal.reason);
      });
    });
    return text(`slept ${ms} ms`);
  }
}

export function createAdapters() {
  return [
    new UpperAdapter(),
    new SpinAdapter(),
    new HogAdapter(),
    new BuffersAdapter(),
    new OrphanAdapter(),
    new RangeAdapter(),
    new SleepAdapter(),
  ];
}
