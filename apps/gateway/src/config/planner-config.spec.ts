import { describe, expect, it } from 'vitest';
import { loadConfig } from './app-config';

const BACKENDS = JSON.stringify([
  { id: 'local', baseUrl: 'http://127.0.0.1:9/v1', models: { chat: 'qwen2.5', speech: 'tts-1' } },
  { id: 'eye', baseUrl: 'http://127.0.0.1:9/v1', models: { vision: 'llava' } },
]);

describe('planner configuration', () => {
  it('is the graph planner alone by default', () => {
    expect(loadConfig({}).planner).toEqual({ default: 'graph' });
  });

  it('resolves PLANNER_MODEL from a chat adapter id or a backend chat model', () => {
    expect(loadConfig({ OPENAI_BACKENDS: BACKENDS, PLANNER_MODEL: 'local.chat' }).planner).toEqual({
      default: 'graph',
      adapter: 'local.chat',
    });
    expect(loadConfig({ OPENAI_BACKENDS: BACKENDS, PLANNER_MODEL: 'llava', PLANNER: 'llm' }).planner).toEqual(
      {
        default: 'llm',
        adapter: 'eye.vision',
      },
    );
  });

  it('stops start-up naming the variable when PLANNER_MODEL names no chat backend, or PLANNER=llm has none', () => {
    expect(() => loadConfig({ OPENAI_BACKENDS: BACKENDS, PLANNER_MODEL: 'local.speech' })).toThrow(
      /PLANNER_MODEL: local\.speech is neither .* \(known: local\.chat \(qwen2\.5\), eye\.vision \(llava\)\)/,
    );
    expect(() => loadConfig({ PLANNER_MODEL: 'gpt-4o-mini' })).toThrow(/PLANNER_MODEL: .*configure none/);
    expect(() => loadConfig({ PLANNER: 'llm' })).toThrow(/PLANNER=llm needs PLANNER_MODEL/);
    expect(() => loadConfig({ PLANNER: 'smart' })).toThrow(/PLANNER: /);
  });
});
