import type { AdapterDescriptor } from '@omnigate/contracts';
import { parseOptions, type OutputChoice } from './choice';

const ANY = '';

/**
 * What the user asks for: the output modality and media type, and optionally the task, domain and
 * adapter (each "any" by default: the router picks), adapter options as JSON (checked as typed),
 * and whether to wait for the job (sync) or follow it (async). The lists come from the adapters
 * the gateway has, narrowed to what can make the chosen modality.
 */
export function OutputForm({
  choice,
  onChange,
  modalities,
  adapters,
  hasInputs,
}: {
  choice: OutputChoice;
  onChange: (choice: OutputChoice) => void;
  modalities: string[];
  adapters: AdapterDescriptor[];
  hasInputs: boolean;
}) {
  const set = (patch: Partial<OutputChoice>) => onChange({ ...choice, ...patch });
  const making = adapters.flatMap((a) => a.capabilities.filter((c) => c.output === choice.modality));
  const mediaTypes = unique(making.flatMap((c) => c.outputMediaTypes ?? []));
  const tasks = unique(adapters.flatMap((a) => a.capabilities.map((c) => c.task)));
  const domains = unique(adapters.flatMap((a) => (a.domain ? [a.domain] : [])));
  const options = parseOptions(choice.options);
  return (
    <fieldset class="output-form">
      <legend>
        <strong>Output</strong>
      </legend>
      <div class="output-grid">
        {!hasInputs && (
          <Select
            label="Plan for input"
            value={choice.plannedInput}
            values={modalities}
            onChange={(plannedInput) => set({ plannedInput })}
            hint="until there are inputs"
          />
        )}
        <Select
          label="Modality"
          value={choice.modality}
          values={modalities}
          onChange={(modality) => set({ modality, mediaType: ANY })}
        />
        <Select
          label="Media type"
          value={choice.mediaType}
          values={mediaTypes}
          any="any"
          onChange={(mediaType) => set({ mediaType })}
        />
        <Select
          label="Task"
          value={choice.task}
          values={tasks}
          any="any"
          onChange={(task) => set({ task })}
        />
        <Select
          label="Adapter"
          value={choice.adapter}
          values={adapters.map((a) => a.id)}
          any="any"
          onChange={(adapter) => set({ adapter })}
        />
        <div>
          <label for="playground-domain">Domain</label>
          <input
            id="playground-domain"
            type="text"
            name="domain"
            list="playground-domains"
            placeholder="any"
            value={choice.domain}
            onInput={(e) => set({ domain: e.currentTarget.value.trim() })}
          />
          <datalist id="playground-domains">
            {domains.map((d) => (
              <option key={d} value={d} />
            ))}
          </datalist>
        </div>
      </div>
      <label>
        Options (JSON)
        <textarea
          name="options"
          rows={2}
          spellcheck={false}
          placeholder='e.g. {"width": 100}'
          value={choice.options}
          aria-invalid={options.error ? 'true' : undefined}
          aria-describedby="playground-options-help"
          onInput={(e) => set({ options: e.currentTarget.value })}
        />
        <small id="playground-options-help">
          {options.error ?? 'Passed to the adapter; options it does not know come back as warnings.'}
        </small>
      </label>
      <fieldset class="mode">
        <legend>Mode</legend>
        {(['sync', 'async'] as const).map((mode) => (
          <label key={mode}>
            <input
              type="radio"
              name="mode"
              value={mode}
              checked={choice.mode === mode}
              onChange={() => set({ mode })}
            />
            {mode === 'sync' ? 'sync (wait for the result)' : 'async (202, follow its events)'}
          </label>
        ))}
      </fieldset>
    </fieldset>
  );
}

/** A labelled select of `values`, with an "any" first when `any` is given; a value not listed (a preset) is kept. */
function Select({
  label,
  value,
  values,
  any,
  hint,
  onChange,
}: {
  label: string;
  value: string;
  values: string[];
  any?: string;
  hint?: string;
  onChange: (value: string) => void;
}) {
  const listed = value === '' || values.includes(value) ? values : [value, ...values];
  // Label and select side by side (not nested): the select's name is the label alone, not with its value.
  const id = `playground-${label.toLowerCase().replace(/ /g, '-')}`;
  return (
    <div>
      <label for={id}>
        {label}
        {hint && <small class="hint"> ({hint})</small>}
      </label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {any !== undefined && <option value="">{any}</option>}
        {listed.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
    </div>
  );
}

function unique(values: string[]): string[] {
  return [...new Set(values)].sort();
}
