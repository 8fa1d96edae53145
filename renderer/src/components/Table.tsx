// Table basics: a styled, captioned table from column definitions. For huge lists use a virtualised
// table instead (the logs page); this is for the hundreds, not the millions.
import type { ReactNode } from 'react';

export interface Column<Row> {
  /** Stable id, also the React key. */
  id: string;
  header: ReactNode;
  cell: (row: Row) => ReactNode;
  align?: 'start' | 'end';
  /** CSS width, e.g. '12rem' or '20%'. */
  width?: string;
  /** Column header visually hidden but still read (e.g. an actions column). */
  hideHeader?: boolean;
}

export interface DataTableProps<Row> {
  /** Names the table for assistive tech; visually hidden unless `showCaption`. */
  caption: string;
  showCaption?: boolean;
  columns: Column<Row>[];
  rows: readonly Row[];
  rowKey: (row: Row) => string | number;
  /** Shown in place of the body when there are no rows. */
  empty?: ReactNode;
  rowClassName?: (row: Row) => string | undefined;
}

export function DataTable<Row>({ caption, showCaption = false, columns, rows, rowKey, empty, rowClassName }: DataTableProps<Row>) {
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className={showCaption ? 'table-caption' : 'visually-hidden'}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.id} scope="col" style={column.width ? { width: column.width } : undefined} className={column.align === 'end' ? 'end' : undefined}>
                {column.hideHeader ? <span className="visually-hidden">{column.header}</span> : column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && empty !== undefined ? (
            <tr>
              <td colSpan={columns.length} className="table-empty">
                {empty}
              </td>
            </tr>
          ) : (
            rows.map((row) => (
              <tr key={rowKey(row)} className={rowClassName?.(row)}>
                {columns.map((column) => (
                  <td key={column.id} className={column.align === 'end' ? 'end' : undefined}>
                    {column.cell(row)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
