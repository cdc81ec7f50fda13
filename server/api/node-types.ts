// tRPC router: the node types the palette and inspector are built from (JSON, no client rebuild).
import { describeNodeType } from '../../shared/node-type';
import { procedure, router } from './trpc';

export const nodeTypesRouter = router({
  list: procedure.query(({ ctx }) => [...ctx.services.registry.values()].map(describeNodeType)),
});
