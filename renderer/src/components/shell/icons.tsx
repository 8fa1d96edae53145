// The navigation's icons: 16px line drawings, decorative (the link text names the page).
import type { ReactNode } from 'react';

function Icon({ children }: { children: ReactNode }) {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      {children}
    </svg>
  );
}

export const icons = {
  overview: (
    <Icon>
      <rect x="2" y="2" width="5" height="5" rx="1" />
      <rect x="9" y="2" width="5" height="3" rx="1" />
      <rect x="9" y="7" width="5" height="7" rx="1" />
      <rect x="2" y="9" width="5" height="5" rx="1" />
    </Icon>
  ),
  keys: (
    <Icon>
      <circle cx="5.5" cy="10.5" r="3" />
      <path d="M7.6 8.4 13.5 2.5M11 5l2 2M12.5 3.5l1.5 1.5" />
    </Icon>
  ),
  'sign-ins': (
    <Icon>
      <path d="M9.5 2.5h3a1 1 0 0 1 1 1v9a1 1 0 0 1-1 1h-3" />
      <path d="M2.5 8h7M7 5.5 9.5 8 7 10.5" />
    </Icon>
  ),
  policy: (
    <Icon>
      <path d="M4 1.5h5.5L12.5 4.5v10h-8.5z" />
      <path d="M9.5 1.5v3h3M6.5 8.5h4M6.5 11h4M6.5 6h1.5" />
    </Icon>
  ),
  organisation: (
    <Icon>
      <rect x="6" y="1.5" width="4" height="3.5" rx="1" />
      <rect x="1.5" y="11" width="4" height="3.5" rx="1" />
      <rect x="10.5" y="11" width="4" height="3.5" rx="1" />
      <path d="M8 5v3M3.5 11V8h9v3" />
    </Icon>
  ),
  models: (
    <Icon>
      <path d="M8 1.5 14 5v6l-6 3.5L2 11V5z" />
      <path d="M2 5l6 3.5L14 5M8 8.5v6" />
    </Icon>
  ),
  providers: (
    <Icon>
      <path d="M4.5 12.5h7a3 3 0 0 0 .4-6 4 4 0 0 0-7.7-.9A3.5 3.5 0 0 0 4.5 12.5z" />
    </Icon>
  ),
  logs: (
    <Icon>
      <path d="M3 3.5h10M3 6.5h10M3 9.5h10M3 12.5h6" />
    </Icon>
  ),
  audit: (
    <Icon>
      <path d="M8 1.5 13.5 3.5v4c0 3.2-2.3 5.8-5.5 7-3.2-1.2-5.5-3.8-5.5-7v-4z" />
      <path d="m5.5 8 1.8 1.8L10.8 6.3" />
    </Icon>
  ),
  settings: (
    <Icon>
      <circle cx="8" cy="8" r="2.2" />
      <path d="M8 1.5v2M8 12.5v2M1.5 8h2M12.5 8h2M3.4 3.4l1.4 1.4M11.2 11.2l1.4 1.4M3.4 12.6l1.4-1.4M11.2 4.8l1.4-1.4" />
    </Icon>
  ),
} as const;

export function Logo() {
  return (
    <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <rect x="1" y="1" width="22" height="22" rx="6" fill="var(--accent)" />
      <path d="M6 9h12M12 9v9" stroke="var(--accent-text)" strokeWidth="2.4" strokeLinecap="round" />
      <path d="M6 6h12" stroke="var(--accent-text)" strokeWidth="1.6" strokeLinecap="round" opacity="0.6" />
    </svg>
  );
}
