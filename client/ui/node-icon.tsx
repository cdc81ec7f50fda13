// A node type's icon: a definition names one of these (lucide icons, drawn as SVG — no emoji font
// needed); anything else it gives (a plugin's emoji, say) is shown as text.
import {
  Blocks,
  CalendarClock,
  ClipboardList,
  Clock,
  CornerDownRight,
  Ear,
  Flag,
  Flame,
  FlaskConical,
  GitFork,
  HeartPulse,
  Hourglass,
  LogOut,
  Mail,
  MessageSquare,
  ShieldOff,
  Smartphone,
  Split,
  Target,
  TrendingUp,
  UserPen,
  Webhook,
  Zap,
  type LucideIcon,
} from 'lucide-react';

const icons: Record<string, LucideIcon> = {
  blocks: Blocks,
  'calendar-clock': CalendarClock,
  'clipboard-list': ClipboardList,
  clock: Clock,
  'corner-down-right': CornerDownRight,
  ear: Ear,
  flag: Flag,
  flame: Flame,
  'flask-conical': FlaskConical,
  'git-fork': GitFork,
  'heart-pulse': HeartPulse,
  hourglass: Hourglass,
  'log-out': LogOut,
  mail: Mail,
  'message-square': MessageSquare,
  'shield-off': ShieldOff,
  smartphone: Smartphone,
  split: Split,
  target: Target,
  'trending-up': TrendingUp,
  'user-pen': UserPen,
  webhook: Webhook,
  zap: Zap,
};

/** The icon names a node type may give (besides text of its own). */
export const nodeIconNames = Object.keys(icons);

export function NodeIcon({ name, size = 16 }: { name: string | undefined; size?: number }) {
  const Icon = icons[name ?? 'blocks'];
  if (Icon) return <Icon size={size} aria-hidden="true" className="node-icon-svg" />;
  return <span aria-hidden="true">{name}</span>;
}
