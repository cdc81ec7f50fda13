// A menu behind one toolbar button (radix DropdownMenu: keyboard and screen-reader friendly), for
// the commands that do not need a place of their own in the toolbar.
import { DropdownMenu } from 'radix-ui';
import type { ReactNode } from 'react';

export interface MenuItem {
  label: string;
  onSelect(): void;
  hidden?: boolean;
}

export function Menu({ label, icon, items }: { label: string; icon?: ReactNode; items: MenuItem[] }) {
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger asChild>
        <button type="button" className="button button-secondary" aria-label={label} title={label}>
          {icon ?? label}
        </button>
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content className="menu" align="end" sideOffset={4}>
          {items
            .filter((item) => !item.hidden)
            .map((item) => (
              <DropdownMenu.Item key={item.label} className="menu-item" onSelect={item.onSelect}>
                {item.label}
              </DropdownMenu.Item>
            ))}
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}
