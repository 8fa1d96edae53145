// The settings page's building blocks: a titled section that says whether its change is saving, and
// a switch (a real checkbox with role="switch", so keyboards and screen readers get on/off).
import { useId, type ReactNode } from 'react';

export function SectionFrame({ id, title, state, children }: { id: string; title: string; state?: ReactNode; children: ReactNode }) {
  return (
    <section className="settings-section" aria-labelledby={id}>
      <header className="settings-section-header">
        <h2 id={id}>{title}</h2>
        <span className="settings-state" aria-live="polite">
          {state}
        </span>
      </header>
      {children}
    </section>
  );
}

/** What a section's header says about its last change. */
export function saveState(pending: boolean, failed: boolean, saved: boolean, busyLabel = 'Saving…'): ReactNode {
  if (pending) return busyLabel;
  if (failed) return <span className="settings-failed">Not saved</span>;
  return saved ? 'Saved' : '';
}

export function Switch({
  label,
  checked,
  onChange,
  describedBy,
  disabled,
}: {
  label: string;
  checked: boolean;
  onChange: (on: boolean) => void;
  describedBy?: string;
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className="settings-switch">
      <input
        id={id}
        type="checkbox"
        role="switch"
        checked={checked}
        disabled={disabled}
        aria-describedby={describedBy}
        onChange={(event) => onChange(event.target.checked)}
      />
      <label htmlFor={id}>{label}</label>
    </div>
  );
}
