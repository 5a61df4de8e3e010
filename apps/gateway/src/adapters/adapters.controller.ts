import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { JOB_BACKEND, type JobBackend } from '../queue/job-backend';
import { AdapterHealth } from './adapter-health';
import { AdapterRegistrations } from './adapter-registrations';
import { AdapterRegistry } from './adapter-registry';

/** The adapters of this node; registering and removing them at runtime needs the `admin` scope. */
@Controller('v1/adapters')
export class AdaptersController {
  constructor(
    private readonly adapters: AdapterRegistry,
    private readonly health: AdapterHealth,
    private readonly registrations: AdapterRegistrations,
    @Inject(JOB_BACKEND) private readonly backend: JobBackend,
  ) {}

  @Get()
  list(): unknown {
    return {
      adapters: this.adapters.descriptors().map((d) => {
        const registration = this.registrations.registrationOf(d.id);
        return {
          ...d,
          source: this.adapters.source(d.id),
          ...(registration ? { registration } : {}),
          queue: this.backend.kind,
          health: this.health.view(d.id),
        };
      }),
    };
  }

  /** Registers an `http` (remote-adapter protocol) or `openai-compatible` adapter on every node. */
  @Post()
  @HttpCode(201)
  async register(@Body() body: unknown): Promise<unknown> {
    const { registration, adapters } = await this.registrations.register(body);
    return { ...registration, adapters: adapters.map((a) => a.descriptor) };
  }

  /** Removes a registered adapter everywhere; jobs already running on it finish. */
  @Delete(':id')
  async remove(@Param('id') id: string): Promise<unknown> {
    await this.registrations.remove(id);
    return { id, deleted: true };
  }
}
