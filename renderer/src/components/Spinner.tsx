// Progress indicators: an inline spinner, and a block that announces what is loading.

export function Spinner({ label }: { label?: string }) {
  return label ? <span className="spinner" role="status" aria-label={label} /> : <span className="spinner" aria-hidden="true" />;
}

export interface LoadingProps {
  label?: string;
}

export function Loading({ label = 'Loading…' }: LoadingProps) {
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}
