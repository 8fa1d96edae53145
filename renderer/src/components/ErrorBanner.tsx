// A failure the user should see, with what to do about it: retry, or dismiss.
import { Button } from './Button';

export interface ErrorBannerProps {
  /** An Error, an ApiError, or a message. */
  error: unknown;
  title?: string;
  onRetry?: () => void;
  onDismiss?: () => void;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  return 'Something went wrong.';
}

export function ErrorBanner({ error, title = 'Something went wrong', onRetry, onDismiss }: ErrorBannerProps) {
  return (
    <div className="banner banner-danger" role="alert">
      <div className="banner-text">
        <strong>{title}</strong>
        <span>{errorMessage(error)}</span>
      </div>
      <div className="banner-actions">
        {onRetry && (
          <Button size="sm" onClick={onRetry}>
            Try again
          </Button>
        )}
        {onDismiss && (
          <Button size="sm" variant="ghost" onClick={onDismiss} aria-label="Dismiss">
            ×
          </Button>
        )}
      </div>
    </div>
  );
}
