// What a page shows when there is nothing yet: what this place is for, and the first thing to do.
import type { ReactNode } from 'react';

export interface EmptyStateProps {
  title: string;
  body?: ReactNode;
  action?: ReactNode;
  /** Extra teaching content under the action (steps, a snippet). */
  children?: ReactNode;
}

export function EmptyState({ title, body, action, children }: EmptyStateProps) {
  return (
    <section className="empty" aria-label={title}>
      <h2 className="empty-title">{title}</h2>
      {body && <div className="empty-body">{body}</div>}
      {action && <div className="empty-action">{action}</div>}
      {children}
    </section>
  );
}
