import { Controller, Get, Inject, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import type { ApiKeyScope } from '../auth/api-keys';

/** What `GET /v1/whoami` answers: whether keys are needed, and the presented key's name and scopes. */
export interface WhoamiResponse {
  keysRequired: boolean;
  key: { name: string; scopes: ApiKeyScope[] } | null;
}

/**
 * `GET /v1/whoami`: any valid key (whatever its scopes) learns its own name and scopes, so that a
 * client such as the console can say which pages the key opens; never the key itself. Without
 * API_KEYS the API is open: `keysRequired: false`.
 */
@Controller('v1/whoami')
export class WhoamiController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get()
  whoami(@Req() req: FastifyRequest): WhoamiResponse {
    const { apiKeyName, apiKeyScopes } = req;
    return {
      keysRequired: this.config.auth.apiKeys.length > 0,
      key:
        apiKeyName === undefined || apiKeyScopes === undefined
          ? null
          : { name: apiKeyName, scopes: apiKeyScopes },
    };
  }
}
