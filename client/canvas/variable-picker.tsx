// "Insert variable" beside every Liquid field: the traits this workspace's customers have, the
// properties seen on the journey's trigger events, and the journey's variables; the choice goes in
// at the cursor as {{ profile.firstName }}.
import { DropdownMenu } from 'radix-ui';
import { Braces } from 'lucide-react';
import { createContext, useContext } from 'react';
import type { TemplateVariables } from '../../server/journeys/template-variables';
import { useI18n } from '../i18n/i18n';

export const TemplateVariablesContext = createContext<TemplateVariables | null>(null);

export function useTemplateVariables(): TemplateVariables | null {
  return useContext(TemplateVariablesContext);
}

/** `profile.firstName`, or `vars["wait-1.event"]` for a name Liquid cannot write with dots. */
export function variableExpression(root: 'profile' | 'event' | 'vars' | 'group', path: string): string {
  return /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(path)
    ? `${root}.${path}`
    : `${root}[${JSON.stringify(path)}]`;
}

/** Puts `{{ expression }}` into the field at its cursor (or at the end). */
function insertInto(fieldId: string, value: string, expression: string): string {
  const field = document.getElementById(fieldId) as HTMLInputElement | HTMLTextAreaElement | null;
  const text = `{{ ${expression} }}`;
  const start = field?.selectionStart ?? value.length;
  const end = field?.selectionEnd ?? value.length;
  return value.slice(0, start) + text + value.slice(end);
}

export function VariablePicker({
  fieldId,
  fieldLabel,
  value,
  onChange,
}: {
  fieldId: string;
  fieldLabel: string;
  value: string;
  onChange(value: string): void;
}) {
  const { t } = useI18n();
  const available = useTemplateVariables();
  const groups: Array<{ title: string; items: string[] }> = [
    {
      title: t('variables.profile'),
      items: (available?.traits ?? []).map((trait) => variableExpression('profile', trait)),
    },
    {
      title: t('variables.group'),
      items: (available?.groupTraits ?? []).map((trait) => variableExpression('group', trait)),
    },
    {
      title: t('variables.event', { names: available?.event.names.join(', ') || '–' }),
      items: (available?.event.properties ?? []).map((property) => variableExpression('event', property)),
    },
    {
      title: t('variables.journey'),
      items: (available?.variables ?? []).map((variable) => variableExpression('vars', variable)),
    },
  ].filter((group) => group.items.length > 0);
  // Named without the field's label (which names the field itself); the title says which field.
  const label = t('variables.insertLabel');
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger asChild>
        <button
          type="button"
          className="button button-ghost variable-button"
          aria-label={label}
          title={t('variables.insertInto', { field: fieldLabel })}
        >
          <Braces size={14} aria-hidden /> {t('variables.insert')}
        </button>
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content className="menu variable-menu" align="end" sideOffset={4}>
          {groups.length === 0 && <p className="muted small menu-note">{t('variables.none')}</p>}
          {groups.map((group) => (
            <DropdownMenu.Group key={group.title}>
              <DropdownMenu.Label className="menu-label">{group.title}</DropdownMenu.Label>
              {group.items.map((expression) => (
                <DropdownMenu.Item
                  key={expression}
                  className="menu-item"
                  onSelect={() => onChange(insertInto(fieldId, value, expression))}
                >
                  <code>{expression}</code>
                </DropdownMenu.Item>
              ))}
            </DropdownMenu.Group>
          ))}
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}
