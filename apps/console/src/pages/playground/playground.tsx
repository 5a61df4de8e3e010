import type { AdapterDescriptor, RouteStep } from '@omnigate/contracts';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../../api';
import { ErrorBox } from '../../components/error-box';
import { useApi } from '../../components/use-api';
import { route } from '../../router';
import { choiceFromParams, parseOptions, routesQuery, type OutputChoice } from './choice';
import { InputPanel, type PlaygroundInput } from './input-panel';
import { OutputForm } from './output-form';
import { PlannedRoute } from './route-path';
import { RunView } from './run-view';
import { useRun } from './use-run';
import './playground.css';

/** How long the choice must rest before the route is planned again. */
const PLAN_DEBOUNCE_MS = 250;
/** The built-in modalities, until `/v1/capabilities` names them all (contracts' values would bundle zod). */
const MODALITIES = ['text', 'image', 'audio', 'video', 'signal', 'pointcloud'];

interface RoutesAnswer {
  from: string[];
  to: string;
  route: RouteStep[];
  alternatives: RouteStep[][];
}

/**
 * The any-in/any-out playground (issue 15): the inputs, the output asked for, the route the
 * router plans for them (drawn as they change), the run with its live events, and the output.
 * A link presets the choice: `#/playground?in=image&out=text&task=ocr`.
 */
export function PlaygroundPage() {
  const params = route.value.params;
  const [inputs, setInputs] = useState<PlaygroundInput[]>([]);
  const [choice, setChoice] = useState<OutputChoice>(() => choiceFromParams(params));
  // A new preset link while on the page (the capabilities page, a shared link) sets the choice again.
  const preset = params.toString();
  useEffect(() => setChoice((c) => choiceFromParams(new URLSearchParams(preset), c)), [preset]);

  const capabilities = useApi<{ modalities: string[] }>('/v1/capabilities');
  const adapters = useApi<{ adapters: AdapterDescriptor[] }>('/v1/adapters');
  const modalities = capabilities.data?.modalities ?? MODALITIES;
  // An input detection refused (an archive, a corrupt file) is shown with its error, never sent.
  const usable = inputs.filter((i) => i.error === undefined);
  const plan = usePlannedRoute(routesQuery(usable, choice));
  const { run, start, cancel } = useRun();
  const optionsError = parseOptions(choice.options).error;
  const running = run !== undefined && run.phase !== 'done';

  return (
    <section class="playground">
      <h1>Playground</h1>
      <InputPanel inputs={inputs} onChange={setInputs} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (usable.length > 0 && !optionsError) start(usable, choice);
        }}
      >
        <OutputForm
          choice={choice}
          onChange={setChoice}
          modalities={modalities}
          adapters={adapters.data?.adapters ?? []}
          hasInputs={usable.length > 0}
        />
        <ErrorBox error={capabilities.error ?? adapters.error} />
        <section class="plan" aria-label="Planned route" aria-busy={plan.loading}>
          <h2>Planned route</h2>
          {plan.error ? (
            <>
              <ErrorBox error={plan.error} />
              <Reachable error={plan.error} />
            </>
          ) : plan.data ? (
            <PlannedRoute route={plan.data.route} alternatives={plan.data.alternatives} />
          ) : (
            !plan.loading && (
              <p class="muted">
                {usable.length > 0
                  ? 'The modality of the inputs is not known yet: the route is planned once they are detected.'
                  : 'Add an input or pick the input modality to plan for.'}
              </p>
            )
          )}
        </section>
        <button type="submit" disabled={usable.length === 0 || !!optionsError || running}>
          {running ? 'Running…' : 'Run'}
        </button>
        {usable.length === 0 && <small class="run-hint"> Add an input to run.</small>}
      </form>
      {run && <RunView run={run} onCancel={cancel} />}
    </section>
  );
}

/** What a `no_route` answer says the inputs can reach instead (its `details.reachable`). */
function Reachable({ error }: { error: unknown }) {
  const reachable =
    error instanceof ApiError ? (error.details as { reachable?: unknown })?.reachable : undefined;
  if (!Array.isArray(reachable) || reachable.length === 0) return null;
  return <p class="muted">From these inputs the router can reach: {reachable.join(', ')}.</p>;
}

/** `GET /v1/routes` for `path`, asked once the choice has rested {@link PLAN_DEBOUNCE_MS}. */
function usePlannedRoute(path: string | null): { data?: RoutesAnswer; error?: unknown; loading: boolean } {
  const [state, setState] = useState<{ data?: RoutesAnswer; error?: unknown; loading: boolean }>({
    loading: false,
  });
  useEffect(() => {
    if (path === null) {
      setState({ loading: false });
      return;
    }
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    const timer = setTimeout(() => {
      api<RoutesAnswer>(path, { signal: controller.signal }).then(
        (data) => setState({ data, loading: false }),
        (error: unknown) => {
          if (!controller.signal.aborted) setState({ error, loading: false });
        },
      );
    }, PLAN_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [path]);
  return state;
}
