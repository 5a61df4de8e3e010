import { BUILTIN_MODALITIES, isBuiltinModality, type ModalityDefinition } from '@omnigate/contracts';
import { ModalityPattern, ModalityPatternError } from '../detection/modality-pattern';
import { GatewayError } from '../errors/gateway-error';

/** A registered modality: its definition, with its `pattern` compiled for linear-time matching. */
export interface RegisteredModality {
  definition: ModalityDefinition;
  pattern?: ModalityPattern;
}

/**
 * The modalities this node knows: the six built-ins, and those registered adapters bring with
 * them (with how to recognise their content). A registered modality lives as long as some
 * adapter that declared it does; the built-ins cannot be redefined.
 */
export class ModalityRegistry {
  private readonly registered = new Map<string, RegisteredModality & { owners: Set<string> }>();
  private readonly listeners = new Set<(modalities: string[]) => void>();

  /** Calls `listener` with the new list whenever a modality comes or goes. */
  onChange(listener: (modalities: string[]) => void): void {
    this.listeners.add(listener);
  }

  private changed(): void {
    const list = this.list();
    for (const listener of this.listeners) listener(list);
  }

  list(): string[] {
    return [...BUILTIN_MODALITIES, ...this.registered.keys()];
  }

  /** The registered (non built-in) modalities, for detection. */
  recognisers(): RegisteredModality[] {
    return [...this.registered.values()].map(({ definition, pattern }) => ({
      definition,
      ...(pattern ? { pattern } : {}),
    }));
  }

  /** Throws 400 invalid_request for a modality nobody registered. */
  /** Whether `name` is a built-in or a registered modality now. */
  isKnown(name: string): boolean {
    return isBuiltinModality(name) || this.registered.has(name);
  }

  assertKnown(name: string, where: string): void {
    if (!this.isKnown(name)) {
      throw new GatewayError('invalid_request', `${where}: unknown modality "${name}"`, {
        modality: name,
        known: this.list(),
      });
    }
  }

  /**
   * Checks that `definitions` may be added, and compiles their patterns: a built-in cannot be
   * redefined, and a pattern must compile with RE2 within the size limit (400 naming the field).
   */
  check(definitions: readonly ModalityDefinition[]): RegisteredModality[] {
    const builtin = definitions.find((d) => isBuiltinModality(d.name));
    if (builtin) {
      throw new GatewayError(
        'invalid_request',
        `the built-in modality "${builtin.name}" cannot be redefined`,
        { modality: builtin.name },
      );
    }
    return definitions.map((definition, index) => {
      if (definition.pattern === undefined) return { definition };
      try {
        return { definition, pattern: ModalityPattern.compile(definition.pattern) };
      } catch (error) {
        if (!(error instanceof ModalityPatternError)) throw error;
        const field = `modalities[${index}].pattern`;
        throw new GatewayError(
          'invalid_request',
          `${field} of modality "${definition.name}" is ${error.message}`,
          { field, modality: definition.name },
          { cause: error },
        );
      }
    });
  }

  /**
   * Adds the modalities an adapter brings. A name already registered keeps its first definition;
   * the adapter becomes one more owner of it.
   */
  add(owner: string, definitions: readonly ModalityDefinition[]): void {
    const checked = this.check(definitions);
    const before = this.registered.size;
    for (const modality of checked) {
      const entry = this.registered.get(modality.definition.name);
      if (entry) entry.owners.add(owner);
      else this.registered.set(modality.definition.name, { ...modality, owners: new Set([owner]) });
    }
    if (this.registered.size !== before) this.changed();
  }

  /** Drops the adapter's claims; a modality no adapter claims any more is gone. */
  removeOwner(owner: string): void {
    const before = this.registered.size;
    for (const [name, entry] of this.registered) {
      entry.owners.delete(owner);
      if (entry.owners.size === 0) this.registered.delete(name);
    }
    if (this.registered.size !== before) this.changed();
  }
}
