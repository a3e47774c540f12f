import type { ApiHandlers } from '../../shared/api.js';
import type { OperationName } from '../../shared/operation-names.js';

/** A group of operations, implemented against the shared BackendContext. */
export type HandlerGroup<N extends OperationName> = Pick<ApiHandlers, N>;
