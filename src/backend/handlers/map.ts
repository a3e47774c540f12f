import type { BackendContext } from '../context.js';
import type { HandlerGroup } from './types.js';

/** The embedding map of the active model and key (src/backend/map/projection.ts holds the layouts). */
export function mapHandlers(context: BackendContext): HandlerGroup<'mapGet' | 'mapBuild'> {
  return {
    mapGet: (request) => context.maps.get(context, request.method),
    async mapBuild() {
      return { jobId: await context.maps.build(context) };
    },
  };
}
