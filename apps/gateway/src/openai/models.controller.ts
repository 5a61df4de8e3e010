import { Controller, Get, Param } from '@nestjs/common';
import { ModelCatalog, type OpenAiModel } from './model-catalog';

/** `GET /v1/models`: `auto` and every adapter under its id; `GET /v1/models/:id`. */
@Controller('v1/models')
export class ModelsController {
  constructor(private readonly models: ModelCatalog) {}

  @Get()
  list(): { object: 'list'; data: OpenAiModel[] } {
    return { object: 'list', data: this.models.list() };
  }

  @Get(':id')
  get(@Param('id') id: string): OpenAiModel {
    return this.models.get(id);
  }
}
