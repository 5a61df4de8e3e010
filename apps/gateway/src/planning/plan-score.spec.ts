import { describe, expect, it } from 'vitest';
import { multisetF1, planGraph, scorePlan } from './plan-score';

describe('multisetF1', () => {
  it('counts hits as a multiset intersection', () => {
    expect(multisetF1(['a', 'b'], ['a', 'b'])).toEqual({ precision: 1, recall: 1, f1: 1 });
    // One of two predicted is right; one of three expected is found: P 1/2, R 1/3, F1 0.4.
    const score = multisetF1(['a', 'x'], ['a', 'b', 'c']);
    expect(score.precision).toBe(0.5);
    expect(score.recall).toBeCloseTo(1 / 3);
    expect(score.f1).toBeCloseTo(0.4);
    // A tool called twice where once was expected: the second call is a miss.
    expect(multisetF1(['a', 'a'], ['a'])).toEqual({ precision: 0.5, recall: 1, f1: 2 / 3 });
  });

  it('scores nothing predicted as 0, and two empty sets as agreement', () => {
    expect(multisetF1([], ['a'])).toEqual({ precision: 0, recall: 0, f1: 0 });
    expect(multisetF1(['a'], [])).toEqual({ precision: 0, recall: 0, f1: 0 });
    expect(multisetF1([], [])).toEqual({ precision: 1, recall: 1, f1: 1 });
  });
});

describe('planGraph and scorePlan', () => {
  const plan = {
    tasks: [
      { id: 'o', adapter: 'builtin.image', task: 'ocr', inputs: ['input:1'] },
      { id: 's', adapter: 'openai.speech', task: 'tts', inputs: ['o'] },
    ],
  };

  it('takes tools as adapter:task and edges between tasks only, through the aliases', () => {
    const alias = (tool: string) => (tool === 'openai.speech:tts' ? 'builtin.speech:tts' : tool);
    expect(planGraph(plan, alias)).toEqual({
      tools: ['builtin.image:ocr', 'builtin.speech:tts'],
      edges: ['builtin.image:ocr>builtin.speech:tts'],
    });
  });

  it('gives node and edge F1 of a prediction, and zero for none', () => {
    const expected = {
      tools: ['builtin.image:ocr', 'builtin.speech:tts'],
      edges: ['builtin.image:ocr>builtin.speech:tts'],
    };
    const wrongEdge = planGraph({
      tasks: [
        { id: 'o', adapter: 'builtin.image', task: 'ocr', inputs: ['input:1'] },
        { id: 's', adapter: 'builtin.speech', task: 'tts', inputs: ['input:0'] },
      ],
    });
    const score = scorePlan(wrongEdge, expected);
    expect(score.node.f1).toBe(1);
    expect(score.edge).toEqual({ precision: 0, recall: 0, f1: 0 });
    expect(scorePlan(undefined, expected).node.f1).toBe(0);
  });
});
