// Asking the gateway again and again while someone is looking: now, then every interval while the
// document is visible. A hidden tab stops asking and asks again the moment it is shown.
// (The gateway status store polls the same way; this is the helper for stores that poll per page.)

/** Calls `refresh` now and every `intervalMs` while visible; returns the function that stops it all. */
export function pollWhileVisible(refresh: () => Promise<void>, intervalMs: number): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  const hidden = (): boolean => typeof document !== 'undefined' && document.visibilityState === 'hidden';
  const clear = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  const schedule = (): void => {
    // One timer at most: a refresh from the tab becoming visible can overlap one already running.
    clear();
    if (stopped || hidden()) return;
    timer = setTimeout(() => {
      timer = null;
      void refresh().finally(schedule);
    }, intervalMs);
  };
  const onVisibility = (): void => {
    clear();
    if (!stopped && !hidden()) void refresh().finally(schedule);
  };
  document.addEventListener('visibilitychange', onVisibility);
  void refresh().finally(schedule);
  return () => {
    stopped = true;
    clear();
    document.removeEventListener('visibilitychange', onVisibility);
  };
}
