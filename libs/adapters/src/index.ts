export * from './sdk/adapter';
export * from './sdk/adapter-error';
export * from './sdk/input-limits';
export * from './codecs/signal';
export * from './builtin';
export * from './codecs/pointcloud';
export * from './openai';
export * from './remote/remote-http-adapter';
