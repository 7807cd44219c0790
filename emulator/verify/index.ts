// The operations table: every emulated Verify v2 operation, keyed by method and OpenAPI path.
import { challengeOperations } from './challenges';
import { entityOperations } from './entities';
import { factorOperations } from './factors';
import { serviceOperations } from './services';
import type { Operation } from './types';

export const OPERATIONS: readonly Operation[] = [...serviceOperations, ...entityOperations, ...factorOperations, ...challengeOperations];
