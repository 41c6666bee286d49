// The frame around every page: the workspace, the navigation, sign-out; a sidebar on a laptop, a
// bar with a scrolling row of links on a phone.
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { useLocation } from "preact-iso/router";
import type { Session } from "../api/types.ts";

/** The pages of the dashboard; the first is where /dashboard opens. */
export const NAV = [
  { href: "/dashboard/overview", label: "Overview", icon: "M4 20V10m6 10V4m6 16v-7m4 7H3" },
  { href: "/dashboard/channels", label: "Channels & campaigns", icon: "M4 6h16M4 12h10M4 18h6" },
  { href: "/dashboard/customers", label: "Customers", icon: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8Zm-7 8a7 7 0 0 1 14 0" },
  { href: "/dashboard/segments", label: "Segments", icon: "M12 3a9 9 0 1 0 9 9h-9V3Zm3-0.5V9h6.5A7 7 0 0 0 15 2.5Z" },
  { href: "/dashboard/triggers", label: "Triggers", icon: "M13 3 5 13h6l-1 8 8-10h-6l1-8Z" },
  { href: "/dashboard/messages", label: "Messages", icon: "M4 6h16v12H4zM4 7l8 6 8-6" },
  { href: "/dashboard/recommendations", label: "Recommendations", icon: "M12 3l2.6 5.6 6.1.7-4.5 4.2 1.2 6L12 16.6 6.6 19.5l1.2-6L3.3 9.3l6.1-.7L12 3Z" },
] as const;

function Icon({ path }: { path: string }) {
  return (
    <svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
      <path d={path} fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" />
    </svg>
  );
}

export function Shell({ session, onSignOut, children }: { session: Session; onSignOut: () => void; children: ComponentChildren }) {
  const { path } = useLocation();
  // On a phone the links are one scrolling row: keep the current page's link in sight.
  useEffect(() => document.querySelector('nav a[aria-current="page"]')?.scrollIntoView({ block: "nearest", inline: "nearest" }), [path]);
  return (
    <div class="layout">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="sidebar">
        <div class="sidebar-top">
          <a class="brand" href="/dashboard/overview">
            <span class="brand-mark" aria-hidden="true">
              S
            </span>
            Seam
          </a>
          <p class="workspace" title={`Workspace ${session.workspace.id}`}>
            <span class="visually-hidden">Workspace: </span>
            {session.workspace.name}
          </p>
        </div>
        <nav aria-label="Dashboard">
          <ul>
            {NAV.map((item) => {
              const current = path === item.href || path.startsWith(`${item.href}/`) || (path.replace(/\/$/, "") === "/dashboard" && item.href === NAV[0].href);
              return (
                <li key={item.href}>
                  <a href={item.href} aria-current={current ? "page" : undefined}>
                    <Icon path={item.icon} />
                    {item.label}
                  </a>
                </li>
              );
            })}
          </ul>
        </nav>
        <button type="button" class="button button-quiet sign-out" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

/** A page's heading row: its title, a line of context, and actions on the right. */
export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ComponentChildren; actions?: ComponentChildren }) {
  if (typeof document !== "undefined") document.title = `${title} · Seam`;
  return (
    <div class="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <p class="muted">{subtitle}</p>}
      </div>
      {actions && <div class="page-actions">{actions}</div>}
    </div>
  );
}
