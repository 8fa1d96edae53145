// A titled panel on a page; the building block of the overview grid and settings sections.
import { useId, type ReactNode } from 'react';

export interface CardProps {
  title?: string;
  /** A line under the title. */
  subtitle?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}

export function Card({ title, subtitle, actions, children, className }: CardProps) {
  const id = useId();
  return (
    <section className={['card', className].filter(Boolean).join(' ')} aria-labelledby={title ? id : undefined}>
      {(title || actions) && (
        <div className="card-header">
          <div>
            {title && <h2 id={id}>{title}</h2>}
            {subtitle && <p className="card-subtitle">{subtitle}</p>}
          </div>
          {actions && <div className="card-actions">{actions}</div>}
        </div>
      )}
      {children}
    </section>
  );
}

export interface StatProps {
  label: string;
  value: ReactNode;
  detail?: ReactNode;
}

/** A headline figure: "Spend today $12.34". */
export function Stat({ label, value, detail }: StatProps) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value num">{value}</div>
      {detail && <div className="stat-detail">{detail}</div>}
    </div>
  );
}
