import { Controller, Get, Inject } from '@nestjs/common';
import { GatewayError } from '../errors/gateway-error';
import { JOB_BACKEND, type JobBackend } from '../queue/job-backend';

const READY_TIMEOUT_MS = 1000;

@Controller('health')
export class HealthController {
  constructor(@Inject(JOB_BACKEND) private readonly backend: JobBackend) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready when the queue's backing service answers (always, for the in-process driver). */
  @Get('ready')
  async ready(): Promise<{ status: 'ok'; queue: string }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([this.backend.ping(), timeout]);
    } catch (err) {
      throw new GatewayError('unavailable', `queue (${this.backend.kind}) is not reachable`, undefined, {
        cause: err,
      });
    } finally {
      clearTimeout(timer);
    }
    return { status: 'ok', queue: this.backend.kind };
  }
}
