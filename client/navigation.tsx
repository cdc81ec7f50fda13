// Client-side routes with the History API: `/` lists journeys, `/journeys/:id` opens one.
import { useSyncExternalStore } from 'react';

export type Route = { page: 'journeys' } | { page: 'journey'; id: string } | { page: 'not-found' };

function parse(pathname: string): Route {
  if (pathname === '/' || pathname === '/journeys') return { page: 'journeys' };
  const journey = /^\/journeys\/([0-9a-f-]{36})$/.exec(pathname);
  if (journey) return { page: 'journey', id: journey[1] };
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
    (listener) => { listeners.add(listener); return () => listeners.delete(listener); },
    () => window.location.pathname,
  );
  return parse(pathname);
}
