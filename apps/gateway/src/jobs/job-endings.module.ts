import { Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../logging/logger';
import { JobEndings } from './job-endings';

/** Where the ends of jobs are announced in the process (webhooks listen before any hop runs). */
@Module({
  providers: [
    { provide: JobEndings, useFactory: (logger: Logger) => new JobEndings(logger), inject: [LOGGER] },
  ],
  exports: [JobEndings],
})
export class JobEndingsModule {}
