import { useState } from 'preact/hooks';
import { InputPanel, type PlaygroundInput } from './input-panel';

/** The any-in/any-out playground (issue 15): inputs, the output asked for, the route, the run, the output. */
export function PlaygroundPage() {
  const [inputs, setInputs] = useState<PlaygroundInput[]>([]);
  return (
    <section>
      <h1>Playground</h1>
      <InputPanel inputs={inputs} onChange={setInputs} />
    </section>
  );
}
