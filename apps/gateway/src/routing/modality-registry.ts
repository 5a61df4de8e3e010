import { BUILTIN_MODALITIES, isBuiltinModality, type ModalityDefinition } from '@omnigate/contracts';
import { GatewayError } from '../errors/gateway-error';

/**
 * The modalities this node knows: the six built-ins, and those registered adapters bring with
 * them (with how to recognise their content). A registered modality lives as long as some
 * adapter that declared it does; the built-ins cannot be redefined.
 */
export class ModalityRegistry {
  private readonly registered = new Map<string, { definition: ModalityDefinition; owners: Set<string> }>();
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

  /** The registered (non built-in) modalities' definitions, for detection. */
  definitions(): ModalityDefinition[] {
    return [...this.registered.values()].map((entry) => entry.definition);
  }

  /** Throws 400 invalid_request for a modality nobody registered. */
  assertKnown(name: string, where: string): void {
    if (!isBuiltinModality(name) && !this.registered.has(name)) {
      throw new GatewayError('invalid_request', `${where}: unknown modality "${name}"`, {
        modality: name,
        known: this.list(),
      });
    }
  }

  /** Checks that `definitions` may be added: a built-in cannot be redefined. */
  check(definitions: readonly ModalityDefinition[]): void {
    const builtin = definitions.find((d) => isBuiltinModality(d.name));
    if (builtin) {
      throw new GatewayError(
        'invalid_request',
        `the built-in modality "${builtin.name}" cannot be redefined`,
        { modality: builtin.name },
      );
    }
  }

  /**
   * Adds the modalities an adapter brings. A name already registered keeps its first definition;
   * the adapter becomes one more owner of it.
   */
  add(owner: string, definitions: readonly ModalityDefinition[]): void {
    this.check(definitions);
    const before = this.registered.size;
    for (const definition of definitions) {
      const entry = this.registered.get(definition.name);
      if (entry) entry.owners.add(owner);
      else this.registered.set(definition.name, { definition, owners: new Set([owner]) });
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
