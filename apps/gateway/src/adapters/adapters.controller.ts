import { Controller, Get, Inject } from '@nestjs/common';
import { JOB_BACKEND, type JobBackend } from '../queue/job-backend';
import { AdapterHealth } from './adapter-health';
import { AdapterRegistry } from './adapter-registry';

@Controller('v1/adapters')
export class AdaptersController {
  constructor(
    private readonly adapters: AdapterRegistry,
    private readonly health: AdapterHealth,
    @Inject(JOB_BACKEND) private readonly backend: JobBackend,
  ) {}

  @Get()
  list(): unknown {
    return {
      adapters: this.adapters.descriptors().map((d) => ({
        ...d,
        source: this.adapters.source(d.id),
        queue: this.backend.kind,
        health: this.health.view(d.id),
      })),
    };
  }
}
