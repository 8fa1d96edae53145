// A list of short strings edited as tags: each item with its remove button, and a box to type the next
// one into (Enter or Add puts it on the list). Rules are kept exactly as typed, commas and spaces
// included (`Bash(npm run test:*)`), so nothing is split. What is typed and not added yet is the
// caller's (it is saved with the list).
import { useId, useState } from 'react';
import { Button } from '../../components/Button';

export interface RuleListProps {
  label: string;
  hint?: string;
  items: readonly string[];
  typed: string;
  placeholder?: string;
  onChange: (items: string[]) => void;
  onType: (typed: string) => void;
}

export function RuleList({ label, hint, items, typed, placeholder, onChange, onType }: RuleListProps) {
  const id = useId();
  const [note, setNote] = useState<string | null>(null);

  const add = () => {
    const item = typed.trim();
    if (!item) return;
    if (items.includes(item)) {
      setNote(`${item} is on the list already.`);
      return;
    }
    setNote(null);
    onChange([...items, item]);
    onType('');
  };

  return (
    <div className="field policy-rules">
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      {items.length > 0 && (
        <ul className="policy-tags" aria-label={`${label}: ${items.length} ${items.length === 1 ? 'item' : 'items'}`}>
          {items.map((item) => (
            <li key={item} className="policy-tag">
              <span className="mono">{item}</span>
              <button
                type="button"
                className="policy-tag-remove"
                aria-label={`Remove ${item} from ${label}`}
                title="Remove"
                onClick={() => onChange(items.filter((other) => other !== item))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="row">
        <input
          id={id}
          className="input mono"
          value={typed}
          placeholder={placeholder}
          spellCheck={false}
          autoComplete="off"
          aria-describedby={
            [hint ? `${id}-hint` : null, note ? `${id}-note` : null].filter(Boolean).join(' ') || undefined
          }
          onChange={(event) => {
            setNote(null);
            onType(event.target.value);
          }}
          onKeyDown={(event) => {
            // Enter adds what is typed; with nothing typed it submits the form as usual.
            if (event.key === 'Enter' && typed.trim()) {
              event.preventDefault();
              add();
            }
          }}
        />
        <Button size="sm" aria-label={`Add to ${label}`} disabled={!typed.trim()} onClick={add}>
          Add
        </Button>
      </div>
      {hint && (
        <div id={`${id}-hint`} className="field-hint">
          {hint}
        </div>
      )}
      {note && (
        <div id={`${id}-note`} className="field-error" role="status">
          {note}
        </div>
      )}
    </div>
  );
}
