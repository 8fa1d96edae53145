// Export of the current filter as CSV or JSON Lines. The export route streams a file and wants the admin
// token in a header, which a plain link cannot send: fetch it, then hand the browser the blob to save.
import { ApiError, type Connection } from '../../api/client';
import { toLogQuery, type LogFilters } from '../../stores/logs';

export type ExportFormat = 'csv' | 'jsonl';

export function exportUrl(connection: Connection, filters: LogFilters, format: ExportFormat, now = Date.now()): URL {
  const url = new URL('/api/logs/export', connection.apiBase);
  url.searchParams.set('format', format);
  for (const [key, value] of Object.entries(toLogQuery(filters, now))) {
    if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
  }
  return url;
}

function fileName(format: ExportFormat, now: Date): string {
  const stamp = now.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  return `tollgate-logs-${stamp}.${format}`;
}

/** Downloads the export; resolves to the file name, or throws the gateway's refusal. */
export async function downloadExport(
  connection: Connection,
  filters: LogFilters,
  format: ExportFormat,
): Promise<string> {
  let response: Response;
  try {
    response = await fetch(exportUrl(connection, filters, format), {
      headers: { authorization: `Bearer ${connection.adminToken}` },
    });
  } catch {
    throw new ApiError(0, `Could not reach the gateway at ${connection.apiBase}.`);
  }
  if (!response.ok) {
    const payload = (await response.json().catch(() => null)) as { error?: { message?: unknown } } | null;
    const message =
      typeof payload?.error?.message === 'string'
        ? payload.error.message
        : `Export failed: ${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message);
  }
  const blob = await response.blob();
  // The gateway names the file; a default stands in if a proxy dropped the header.
  const name =
    /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? fileName(format, new Date());
  const href = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = href;
  link.download = name;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The click has started the download; the object URL can go once the browser has taken it.
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
  return name;
}
