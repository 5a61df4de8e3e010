import { Controller, Get, Param } from '@nestjs/common';
import { AdapterRegistry } from '../adapters/adapter-registry';
import { ModelCatalog, type OpenAiModel } from './model-catalog';
import { STARTED_AT } from './started-at';

/** `GET /v1/models`: `auto` and every adapter under its id; `GET /v1/models/:id`. */
@Controller('v1/models')
export class ModelsController {
  private readonly models: ModelCatalog;

  constructor(registry: AdapterRegistry) {
    this.models = new ModelCatalog(registry, STARTED_AT);
  }

  @Get()
  list(): { object: 'list'; data: OpenAiModel[] } {
    return { object: 'list', data: this.models.list() };
  }

  @Get(':id')
  get(@Param('id') id: string): OpenAiModel {
    return this.models.get(id);
  }
}
