import { BUILTIN_MODALITIES } from '@omnigate/contracts';
import { GatewayError } from '../errors/gateway-error';

/** The modalities this node knows: the six built-ins (registered ones join in a later release). */
export class ModalityRegistry {
  private readonly names = new Set<string>(BUILTIN_MODALITIES);

  list(): string[] {
    return [...this.names];
  }

  /** Throws 400 invalid_request for a modality nobody registered. */
  assertKnown(name: string, where: string): void {
    if (!this.names.has(name)) {
      throw new GatewayError('invalid_request', `${where}: unknown modality "${name}"`, {
        modality: name,
        known: this.list(),
      });
    }
  }
}
