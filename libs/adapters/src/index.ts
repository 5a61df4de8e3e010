export * from './sdk/adapter';
export * from './sdk/adapter-error';
export * from './builtin';
