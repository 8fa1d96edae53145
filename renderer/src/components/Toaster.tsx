// Where toasts appear. Rendered once by the shell; `useToast()` works anywhere, including store actions (via `toast`).
import { dismissToast, showToast, toast, useToasts, type ToastTone } from '../stores/toasts';

export function Toaster() {
  const toasts = useToasts((state) => state.toasts);
  return (
    <div className="toaster" aria-live="polite" aria-relevant="additions" role="region" aria-label="Notifications">
      {toasts.map((item) => (
        <div key={item.id} className={`toast toast-${item.tone}`} role={item.tone === 'danger' ? 'alert' : 'status'}>
          <span>{item.message}</span>
          <button type="button" className="toast-close" aria-label="Dismiss notification" onClick={() => dismissToast(item.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

export interface ToastApi {
  success: (message: string) => number;
  info: (message: string) => number;
  error: (message: string) => number;
  show: (message: string, tone?: ToastTone) => number;
  dismiss: (id: number) => void;
}

const api: ToastApi = { ...toast, show: (message, tone) => showToast(message, tone), dismiss: dismissToast };

export function useToast(): ToastApi {
  return api;
}
