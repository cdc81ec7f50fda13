// Client-side routes with the History API: `/` lists journeys, `/journeys/:id` opens one.
import type React from 'react';
import { useSyncExternalStore } from 'react';

export type Route =
  | { page: 'journeys' }
  | { page: 'journey'; id: string }
  | { page: 'profiles' }
  | { page: 'profile'; id: string }
  | { page: 'settings' }
  | { page: 'not-found' };

function parse(pathname: string): Route {
  if (pathname === '/' || pathname === '/journeys') return { page: 'journeys' };
  const journey = /^\/journeys\/([0-9a-f-]{36})$/.exec(pathname);
  if (journey) return { page: 'journey', id: journey[1] };
  if (pathname === '/profiles') return { page: 'profiles' };
  const profile = /^\/profiles\/([0-9a-f-]{36})$/.exec(pathname);
  if (profile) return { page: 'profile', id: profile[1] };
  if (pathname === '/settings') return { page: 'settings' };
  return { page: 'not-found' };
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((listener) => listener()));

export function navigate(path: string): void {
  window.history.pushState(null, '', path);
  listeners.forEach((listener) => listener());
}

export function useRoute(): Route {
  const pathname = useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => window.location.pathname,
  );
  return parse(pathname);
}

/** A link that navigates inside the app without a page load. */
export function Link({
  to,
  children,
  className,
}: {
  to: string;
  children: React.ReactNode;
  className?: string;
}) {
  return (
    <a
      href={to}
      className={className}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey) return;
        event.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
