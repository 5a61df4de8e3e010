/** The modality label of one the registry does not know (a runtime one since unregistered). */
export const OTHER_MODALITY = 'other';

/** `modality` as a label value: itself if `known`, else `other`. Bounded by the registry's modalities. */
export function modalityLabel(modality: string, known: (modality: string) => boolean): string {
  return known(modality) ? modality : OTHER_MODALITY;
}

/**
 * The modality pair label of a job: its input modalities joined with `+` (each once, sorted,
 * when there are several: `image+text`), `->`, its output modality; a modality `known` refuses
 * is `other`. Bounded by the registry's modalities.
 */
export function modalityPair(
  inputs: readonly { modality: string }[],
  output: string,
  known: (modality: string) => boolean,
): string {
  const from =
    inputs.length === 1
      ? modalityLabel(inputs[0].modality, known)
      : [...new Set(inputs.map((i) => modalityLabel(i.modality, known)))].sort().join('+');
  return `${from}->${modalityLabel(output, known)}`;
}
