// The inspector: the selected node's name and its config form, from the node type's schema.
import { useShallow } from 'zustand/react/shallow';
import { useI18n } from '../i18n/i18n';
import { useEditor } from './editor-store';
import { useNodeTypes } from './node-types-context';
import { SchemaForm, type JsonSchema } from './schema-form';
import { EmailPreview, TouchpointTest } from './email-preview';
import { NodeIcon } from '../ui/node-icon';

export function Inspector() {
  const { t } = useI18n();
  const types = useNodeTypes();
  const selected = useEditor((state) => {
    const nodes = state.nodes.filter((node) => node.selected);
    return nodes.length === 1 ? nodes[0] : null;
  });
  const problems = useEditor(
    useShallow((state) =>
      selected ? state.inspection.problems.filter((problem) => problem.nodeId === selected.id) : [],
    ),
  );
  const updateNode = useEditor((state) => state.updateNode);
  if (!selected)
    return (
      <aside className="inspector" aria-label={t('inspector.title')}>
        <p className="muted">{t('inspector.empty')}</p>
      </aside>
    );
  const description = types.get(selected.data.type);
  return (
    <aside className="inspector" aria-label={t('inspector.title')}>
      <h2>
        <NodeIcon name={description?.icon} /> {description?.label ?? selected.data.type}
      </h2>
      <p className="muted">{description?.description}</p>
      {problems.length > 0 && (
        <ul className="problems" role="alert">
          {problems.map((problem, index) => (
            <li key={index}>{problem.message}</li>
          ))}
        </ul>
      )}
      <div className="form">
        <label className="field" htmlFor="node-name">
          <span>{t('inspector.name')}</span>
          <input
            id="node-name"
            value={selected.data.label ?? ''}
            placeholder={description?.label}
            onChange={(event) => updateNode(selected.id, { label: event.target.value || undefined })}
          />
        </label>
        {description && (
          <SchemaForm
            key={selected.id}
            idPrefix={selected.id}
            schema={description.configSchema as JsonSchema}
            value={selected.data.config}
            onChange={(config) => updateNode(selected.id, { config })}
          />
        )}
        {selected.data.type === 'touchpoint.email' && <EmailPreview config={selected.data.config} />}
        {(selected.data.type === 'touchpoint.sms' ||
          selected.data.type === 'touchpoint.push' ||
          selected.data.type === 'touchpoint.webhook') && (
          <TouchpointTest
            key={selected.id}
            channel={selected.data.type.slice('touchpoint.'.length) as 'sms' | 'push' | 'webhook'}
            config={selected.data.config}
          />
        )}
      </div>
    </aside>
  );
}
