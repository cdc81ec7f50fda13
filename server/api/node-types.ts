// tRPC router: the node types the palette and inspector are built from (JSON, no client rebuild).
import { describeNodeType } from '../../shared/node-type';
import { viewerProcedure, router } from './trpc';

export const nodeTypesRouter = router({
  list: viewerProcedure.query(({ ctx }) =>
    [...ctx.services.registry.values()].map((definition) => describeNodeType(definition, ctx.locale)),
  ),
});
