// The one entry point for plugin authors: define node types with the same API the built-in
// types use. Use the `z` exported here, so your config schema is the zod Waymark understands.
//
// @example
// import { defineNodeType, z } from '../../shared/sdk';
// export const nodeTypes = [defineNodeType({ type: 'acme.score-lead', … })];
export { z } from 'zod';
export { defineNodeType } from './node-type';
export type {
  NodeContext,
  NodeResult,
  NodeTypeDefinition,
  PortSpec,
  NodeCategory,
  OutboxMessage,
  ProfileView,
  EventView,
} from './node-type';
export { conditionSchema, evaluateCondition, type Condition } from './conditions';
export { durationSchema, durationToMilliseconds, describeDuration } from './time';
