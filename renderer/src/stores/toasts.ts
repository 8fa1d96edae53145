// Transient messages: confirmations and the notice that an optimistic change was undone.
// A store rather than a context so store actions can report too, not only components.
import { create } from 'zustand';

export type ToastTone = 'success' | 'info' | 'danger';

export interface Toast {
  id: number;
  tone: ToastTone;
  message: string;
}

interface ToastState {
  toasts: Toast[];
}

let nextId = 1;

export const useToasts = create<ToastState>(() => ({ toasts: [] }));

export function dismissToast(id: number): void {
  useToasts.setState((state) => ({ toasts: state.toasts.filter((toast) => toast.id !== id) }));
}

/** Shows a toast; it stays until dismissed or `ttlMs` passes (failures stay until dismissed). */
export function showToast(message: string, tone: ToastTone = 'info', ttlMs: number | null = tone === 'danger' ? null : 5000): number {
  const id = nextId++;
  useToasts.setState((state) => ({ toasts: [...state.toasts.slice(-4), { id, tone, message }] }));
  if (ttlMs !== null) setTimeout(() => dismissToast(id), ttlMs);
  return id;
}

export const toast = {
  success: (message: string) => showToast(message, 'success'),
  info: (message: string) => showToast(message, 'info'),
  error: (message: string) => showToast(message, 'danger'),
};
