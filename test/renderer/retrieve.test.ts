// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { createRetrieveView } from '../../src/renderer/views/retrieve.js';
import {
  clampK,
  K_MAX,
  LatestOnly,
  resultsSubtitle,
  resultTiles,
  type QueryResult,
} from '../../src/renderer/views/retrieve-state.js';
import { fakeContext, settle } from './harness.js';

const PNG = 'data:image/png;base64,AA==';

function hit(rank: number, relevant: boolean | null, plain: string | null): QueryResult['results'][number] {
  return {
    rank,
    id: `item${rank}`,
    score: 1 - rank / 10,
    label: relevant === null ? null : 'Hand',
    relevant,
    thumbnails: { encrypted: `${PNG}enc${rank}`, plain },
  };
}

describe('retrieve view state', () => {
  it('keeps k a whole number in 1..K_MAX', () => {
    expect([clampK(0), clampK(5.9), clampK(K_MAX + 1), clampK(Number.NaN)]).toEqual([1, 5, K_MAX, 1]);
  });

  it('shows each hit decrypted only when asked and available, coloured by relevance', () => {
    const result = {
      results: [hit(1, true, `${PNG}plain1`), hit(2, false, null), hit(3, null, null)],
    } as QueryResult;
    const shown = resultTiles(result, true);
    expect(shown.map((t) => t.images[0]!.tag)).toEqual(['plain', 'encrypted', 'encrypted']);
    expect(shown.map((t) => t.tone)).toEqual(['match', 'miss', undefined]);
    expect(shown[0]!.title).toBe('#1 Hand');
    expect(shown[2]!.title).toBe('#3 unlabelled');
    expect(resultTiles(result, false)[0]!.images[0]!.src).toBe(`${PNG}enc1`);
  });

  it('says when the embeddings were of decrypted images', () => {
    expect(resultsSubtitle('encrypted')).toContain('encrypted-image embeddings');
    expect(resultsSubtitle('decrypted')).toContain('DECRYPTED');
  });

  it('lets only the newest query land', () => {
    const queries = new LatestOnly();
    const first = queries.begin();
    const second = queries.begin();
    expect([queries.isLatest(first), queries.isLatest(second)]).toEqual([false, true]);
  });
});

describe('retrieve view (happy-dom)', () => {
  it('starts with an invitation and asks for the index status when shown', async () => {
    const context = fakeContext({
      retrieveIndexStatus: () => ({ modelId: null, indexed: 0, missing: 0, engine: null }),
    });
    const view = createRetrieveView(context);
    view.show?.({});
    await settle();
    expect(view.element.querySelector('[data-testid="retrieve-output"]')?.textContent).toContain(
      'No query yet',
    );
    expect(context.calls('retrieveIndexStatus')).toHaveLength(1);
    expect(view.element.querySelector('[data-testid="index-status"]')?.textContent).toContain('No index yet');
  });
});
