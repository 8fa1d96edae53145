// The logs filter: time range, key, team, user, model, status, refusal reason, session and a search in
// captured content. Every control writes to the address, which the page reads back; nothing here
// holds a filter of its own except what is being typed.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { Button } from '../../components';
import type { FilterOption, LogFilters } from '../../stores/logs';
import { RANGE_LABELS } from '../../stores/logs';
import { reasonLabel, REFUSAL_REASONS } from './format';

const SEARCH_DEBOUNCE_MS = 350;

export interface FiltersBarProps {
  filters: LogFilters;
  options: { keys: FilterOption[]; teams: FilterOption[]; users: FilterOption[] } | null;
  models: string[];
  onChange: (filters: LogFilters, options?: { replace?: boolean }) => void;
}

const STATUS_OPTIONS: { value: string; label: string }[] = [
  { value: '', label: 'Any status' },
  { value: 'success', label: 'Succeeded' },
  { value: 'error', label: 'Failed' },
  { value: 'blocked', label: 'Refused by governance' },
  { value: 'aborted', label: 'Aborted by the client' },
  { value: 'interrupted', label: 'Interrupted (gateway stopped)' },
  { value: '400', label: '400 Bad request' },
  { value: '401', label: '401 Unauthorised' },
  { value: '403', label: '403 Forbidden' },
  { value: '413', label: '413 Too large' },
  { value: '429', label: '429 Rate limited' },
  { value: '500', label: '500 Server error' },
  { value: '529', label: '529 Overloaded' },
];

/** `2026-11-23T14:05` in local time, as a datetime-local input wants it. */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function FiltersBar({ filters, options, models, onChange }: FiltersBarProps) {
  const set = (patch: Partial<LogFilters>, replace = false): void => {
    const next: LogFilters = { ...filters, ...patch };
    for (const key of Object.keys(next) as (keyof LogFilters)[]) if (!next[key]) delete next[key];
    onChange(next, { replace });
  };
  const custom = filters.start !== undefined || filters.end !== undefined;
  const rangeValue = custom ? 'custom' : (filters.range ?? '');
  const [showCustom, setShowCustom] = useState(custom);
  const modelListId = useId();

  return (
    <div className="logs-filters" role="search" aria-label="Filter requests">
      <SearchBox value={filters.q ?? ''} onCommit={(q) => set({ q: q || undefined }, true)} />
      <Labelled label="Time">
        {(id) => (
          <select
            id={id}
            className="input select"
            value={showCustom ? 'custom' : rangeValue}
            onChange={(event) => {
              const value = event.target.value;
              if (value === 'custom') {
                setShowCustom(true);
                return;
              }
              setShowCustom(false);
              set({ range: value || undefined, start: undefined, end: undefined });
            }}
          >
            <option value="">Any time</option>
            {Object.entries(RANGE_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
            <option value="custom">Custom range…</option>
          </select>
        )}
      </Labelled>
      {showCustom && (
        <>
          <Labelled label="From">
            {(id) => (
              <input
                id={id}
                type="datetime-local"
                className="input"
                value={toLocalInput(filters.start)}
                onChange={(event) => set({ start: fromLocalInput(event.target.value), range: undefined })}
              />
            )}
          </Labelled>
          <Labelled label="Until">
            {(id) => (
              <input
                id={id}
                type="datetime-local"
                className="input"
                value={toLocalInput(filters.end)}
                onChange={(event) => set({ end: fromLocalInput(event.target.value), range: undefined })}
              />
            )}
          </Labelled>
        </>
      )}
      <OptionSelect
        label="Key"
        all="Any key"
        value={filters.vk}
        options={options?.keys}
        onChange={(vk) => set({ vk })}
      />
      <OptionSelect
        label="Team"
        all="Any team"
        value={filters.team}
        options={options?.teams}
        onChange={(team) => set({ team })}
      />
      <OptionSelect
        label="User"
        all="Any user"
        value={filters.user}
        options={options?.users}
        onChange={(user) => set({ user })}
      />
      <Labelled label="Model">
        {(id) => (
          <>
            <CommitInput
              id={id}
              className="input mono"
              placeholder="Any model"
              list={modelListId}
              value={filters.model ?? ''}
              commitOnMatch={models}
              onCommit={(model) => set({ model: model || undefined })}
            />
            <datalist id={modelListId}>
              {models.map((model) => (
                <option key={model} value={model} />
              ))}
            </datalist>
          </>
        )}
      </Labelled>
      <Labelled label="Status">
        {(id) => (
          <select
            id={id}
            className="input select"
            value={filters.status ?? ''}
            onChange={(event) => set({ status: event.target.value || undefined })}
          >
            {STATUS_OPTIONS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
            {filters.status && !STATUS_OPTIONS.some((option) => option.value === filters.status) && (
              <option value={filters.status}>{filters.status}</option>
            )}
          </select>
        )}
      </Labelled>
      <Labelled label="Refusal">
        {(id) => (
          <select
            id={id}
            className="input select"
            value={filters.reason ?? ''}
            onChange={(event) => set({ reason: event.target.value || undefined })}
          >
            <option value="">Any reason</option>
            {REFUSAL_REASONS.map((reason) => (
              <option key={reason} value={reason}>
                {reasonLabel(reason)}
              </option>
            ))}
          </select>
        )}
      </Labelled>
      <Labelled label="Session">
        {(id) => (
          <CommitInput
            id={id}
            className="input mono"
            placeholder="Session id"
            value={filters.session ?? ''}
            onCommit={(session) => set({ session: session || undefined })}
          />
        )}
      </Labelled>
      {(filters.estimated === 'true' || filters.estimated === 'false') && (
        <div className="logs-filter logs-chips">
          <span className="logs-chip">
            {filters.estimated === 'true' ? 'Priced by family' : 'Exactly priced'}
            <button
              type="button"
              className="logs-chip-remove"
              aria-label={`Remove the filter: ${filters.estimated === 'true' ? 'priced by family' : 'exactly priced'}`}
              onClick={() => set({ estimated: undefined })}
            >
              ×
            </button>
          </span>
        </div>
      )}
    </div>
  );
}

function Labelled({ label, children }: { label: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="logs-filter">
      <label htmlFor={id} className="logs-filter-label">
        {label}
      </label>
      {children(id)}
    </div>
  );
}

function OptionSelect({
  label,
  all,
  value,
  options,
  onChange,
}: {
  label: string;
  all: string;
  value: string | undefined;
  options: FilterOption[] | undefined;
  onChange: (value: string | undefined) => void;
}) {
  const known = options ?? [];
  return (
    <Labelled label={label}>
      {(id) => (
        <select
          id={id}
          className="input select"
          value={value ?? ''}
          onChange={(event) => onChange(event.target.value || undefined)}
        >
          <option value="">{all}</option>
          {known.map((option) => (
            <option key={option.id} value={option.id}>
              {option.name}
            </option>
          ))}
          {/* A shared link may name something this list does not hold (deleted, or not loaded yet). */}
          {value && !known.some((option) => option.id === value) && <option value={value}>{value}</option>}
        </select>
      )}
    </Labelled>
  );
}

/** A text filter that applies on Enter or leaving the field, not on every keystroke. */
function CommitInput({
  value,
  onCommit,
  commitOnMatch,
  ...rest
}: {
  id: string;
  value: string;
  onCommit: (value: string) => void;
  /** Apply as soon as the text equals one of these (a pick from the suggestions). */
  commitOnMatch?: string[];
  className?: string;
  placeholder?: string;
  list?: string;
}) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const commit = (next: string): void => {
    if (next.trim() !== value) onCommit(next.trim());
  };
  return (
    <input
      {...rest}
      type="text"
      spellCheck={false}
      autoComplete="off"
      value={text}
      onChange={(event) => {
        setText(event.target.value);
        if (commitOnMatch?.includes(event.target.value)) commit(event.target.value);
      }}
      onBlur={() => commit(text)}
      onKeyDown={(event) => {
        if (event.key === 'Enter') commit(text);
        if (event.key === 'Escape') setText(value);
      }}
    />
  );
}

/** Full-text search; applies a moment after typing stops. */
function SearchBox({ value, onCommit }: { value: string; onCommit: (value: string) => void }) {
  const [text, setText] = useState(value);
  const committed = useRef(value);
  const commitRef = useRef(onCommit);
  commitRef.current = onCommit;

  // The address changed from elsewhere (Clear, Back): show what it says.
  useEffect(() => {
    if (value !== committed.current) {
      committed.current = value;
      setText(value);
    }
  }, [value]);

  useEffect(() => {
    const next = text.trim();
    if (next === committed.current) return;
    const timer = setTimeout(() => {
      committed.current = next;
      commitRef.current(next);
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);

  return (
    <div className="logs-filter logs-search">
      <label htmlFor="logs-search" className="logs-filter-label">
        Search content
      </label>
      <input
        id="logs-search"
        type="search"
        className="input"
        placeholder="Words in prompts and responses"
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            const next = text.trim();
            committed.current = next;
            commitRef.current(next);
          }
        }}
      />
    </div>
  );
}

export function ClearFilters({ count, onClear }: { count: number; onClear: () => void }) {
  if (count === 0) return null;
  return (
    <Button size="sm" variant="ghost" onClick={onClear}>
      Clear {count} filter{count === 1 ? '' : 's'}
    </Button>
  );
}
