// The node types the server knows (built-ins and plugins), as JSON, available to the whole editor.
import { createContext, useContext } from 'react';
import type { NodeTypeDescription } from '../../shared/node-type';

export const NodeTypesContext = createContext<Map<string, NodeTypeDescription>>(new Map());

export function useNodeTypes(): Map<string, NodeTypeDescription> {
  return useContext(NodeTypesContext);
}
