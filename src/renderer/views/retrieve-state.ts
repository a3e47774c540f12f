import type { OperationResponse } from '../../shared/index.js';
import type { GridItem } from '../components/imageGrid.js';

/** What the Retrieve view decides, apart from drawing it (tested in test/renderer/retrieve.test.ts). */

export type QueryResult = OperationResponse<'retrieveQuery'>;
export type Hit = QueryResult['results'][number];

export const K_MAX = 100;

/** The k field's value as a k: a whole number in 1..K_MAX (1 for anything unreadable). */
export const clampK = (value: number): number => Math.min(K_MAX, Math.max(1, Math.floor(value) || 1));

/** One tile per hit: the decrypted thumbnail when asked for and available, green/red by relevance. */
export function resultTiles(result: QueryResult, decrypted: boolean): GridItem[] {
  return result.results.map((hit) => {
    const plain = decrypted && hit.thumbnails.plain ? hit.thumbnails.plain : null;
    return {
      id: hit.id,
      images: [
        {
          src: plain ?? hit.thumbnails.encrypted,
          alt: `result ${hit.rank}`,
          tag: plain ? 'plain' : 'encrypted',
        },
      ],
      title: `#${hit.rank} ${hit.label ?? 'unlabelled'}`,
      details: [`similarity ${hit.score.toFixed(4)}`],
      tone: hit.relevant === null ? undefined : hit.relevant ? 'match' : 'miss',
    };
  });
}

/** The grid's subtitle: what was compared, in the clear or not. */
export function resultsSubtitle(input: QueryResult['run']['input']): string {
  return input === 'encrypted'
    ? 'Green: same class as the query; red: another class. Ranked by cosine similarity of encrypted-image embeddings.'
    : 'Green: same class as the query; red: another class. Ranked by cosine similarity of embeddings of DECRYPTED images (a plain model is active).';
}

/** Hands out numbers to queries so that only the newest one's answer is shown. */
export class LatestOnly {
  private latest = 0;

  begin(): number {
    return ++this.latest;
  }

  isLatest(ticket: number): boolean {
    return ticket === this.latest;
  }
}
