// A small client-side router over the History API; every route lives
// under the app's base (/app/), where the server answers index.html.
import { useSyncExternalStore, type MouseEvent, type ReactNode } from 'react';

const base = import.meta.env.BASE_URL.replace(/\/$/, '');
const listeners = new Set<() => void>();

function emit() {
  for (const l of listeners) l();
}
window.addEventListener('popstate', emit);

/** The current path below the base, starting with "/", and the search params. */
export function useLocation(): { path: string; search: URLSearchParams } {
  const href = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => window.location.pathname + window.location.search,
  );
  const url = new URL(href, window.location.origin);
  const path = url.pathname.startsWith(base) ? url.pathname.slice(base.length) || '/' : url.pathname;
  return { path, search: url.searchParams };
}

export function navigate(to: string, replace = false): void {
  const url = base + to;
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  window.scrollTo(0, 0);
  emit();
}

export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={base + to} onClick={onClick} className={className}>
      {children}
    </a>
  );
}
