export * from './adapter-descriptor';
export * from './error-code';
export * from './infer-request';
export * from './input-part';
export * from './job-result';
export * from './modality';
export * from './output-spec';
export * from './openai-backend';
