// Copies text to the clipboard and says so; falls back to selecting the text when the clipboard is refused.
import { useState } from 'react';
import { Button } from './Button';

export interface CopyButtonProps {
  text: string;
  /** The accessible name: "Copy settings.json snippet". */
  label: string;
  /** Visible text; defaults to "Copy". */
  children?: string;
  size?: 'sm' | 'md';
  variant?: 'primary' | 'secondary' | 'ghost';
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

export function CopyButton({ text, label, children = 'Copy', size = 'sm', variant = 'secondary' }: CopyButtonProps) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <Button
      size={size}
      variant={variant}
      aria-label={label}
      onClick={() => {
        void copyText(text).then((ok) => {
          setState(ok ? 'copied' : 'failed');
          setTimeout(() => setState('idle'), 2000);
        });
      }}
    >
      <span aria-live="polite">{state === 'copied' ? 'Copied' : state === 'failed' ? 'Select and copy' : children}</span>
    </Button>
  );
}

export interface CodeBlockProps {
  code: string;
  /** What the code is: "Claude Code settings.json". Labels the block and its copy button. */
  label: string;
}

/** Preformatted text with a copy button in the corner. */
export function CodeBlock({ code, label }: CodeBlockProps) {
  return (
    <figure className="code-block">
      <figcaption>
        <span>{label}</span>
        <CopyButton text={code} label={`Copy ${label}`} />
      </figcaption>
      <pre tabIndex={0} aria-label={label}>
        <code>{code}</code>
      </pre>
    </figure>
  );
}
