// The palette: node types grouped by category, searchable; drag onto the canvas or an edge, or
// press to add below the selection (keyboard friendly).
import { useMemo, useState, type DragEvent } from 'react';
import { nodeCategories, type NodeTypeDescription } from '../../shared/node-type';
import { useI18n } from '../i18n/i18n';
import { useNodeTypes } from './node-types-context';
import { NodeIcon } from '../ui/node-icon';

export const dragFormat = 'application/x-waymark-node-type';

export function Palette({ onAdd }: { onAdd(type: NodeTypeDescription): void }) {
  const { t } = useI18n();
  const types = useNodeTypes();
  const [search, setSearch] = useState('');
  const groups = useMemo(() => {
    const term = search.trim().toLowerCase();
    return nodeCategories
      .map((category) => ({
        category,
        items: [...types.values()].filter(
          (type) =>
            type.category === category &&
            (!term || `${type.label} ${type.description} ${type.type}`.toLowerCase().includes(term)),
        ),
      }))
      .filter((group) => group.items.length > 0);
  }, [types, search]);
  const onDragStart = (event: DragEvent, type: string) => {
    event.dataTransfer.setData(dragFormat, type);
    event.dataTransfer.effectAllowed = 'move';
  };
  return (
    <aside className="palette" aria-label={t('canvas.palette')}>
      <input
        type="search"
        aria-label={t('canvas.paletteSearch')}
        placeholder={t('canvas.paletteSearch')}
        value={search}
        onChange={(event) => setSearch(event.target.value)}
      />
      {groups.map((group) => (
        <section key={group.category} aria-label={t(`category.${group.category}`)}>
          <h3 className={`palette-heading category-${group.category}`}>{t(`category.${group.category}`)}</h3>
          {group.items.map((type) => (
            <button
              type="button"
              key={type.type}
              className="palette-item"
              draggable
              onDragStart={(event) => onDragStart(event, type.type)}
              onClick={() => onAdd(type)}
              title={type.description}
              aria-label={t('canvas.add', { label: type.label })}
            >
              <NodeIcon name={type.icon} /> {type.label}
            </button>
          ))}
        </section>
      ))}
    </aside>
  );
}
