// A captured Messages API exchange rendered for a reader: the system prompt folded away, each message
// under its role, tool calls with their input as formatted JSON, tool results under the tool's name,
// thinking folded, images as placeholders. The bodies are untyped JSON, so every shape is checked.
import { useMemo, useState, type ReactNode } from 'react';
import { Badge } from '../../components';
import { bytes } from './format';

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** Content as a list of blocks: a bare string is one text block. */
function blocksOf(content: unknown): Json[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (Array.isArray(content)) return content.filter(isRecord);
  return [];
}

function textOf(content: unknown): string {
  return blocksOf(content)
    .map((block) => str(block.text) ?? '')
    .filter(Boolean)
    .join('\n\n');
}

const pretty = (value: unknown): string => JSON.stringify(value, null, 2) ?? String(value);

/** Show this many messages at first: Claude Code resends the whole history on every request. */
const RECENT_MESSAGES = 12;
/** Text longer than this is folded until asked for. */
const LONG_TEXT = 2_000;

export interface ConversationProps {
  request: unknown;
  response: unknown;
}

export function Conversation({ request, response }: ConversationProps) {
  const body = isRecord(request) ? request : null;
  const messages = useMemo(() => (body && Array.isArray(body.messages) ? body.messages.filter(isRecord) : []), [body]);
  const toolNames = useMemo(() => {
    // tool_result blocks carry only the id of the call they answer; name them after that call.
    const names = new Map<string, string>();
    for (const message of messages) {
      for (const block of blocksOf(message.content)) {
        const id = str(block.id);
        const name = str(block.name);
        if ((block.type === 'tool_use' || block.type === 'server_tool_use') && id && name) names.set(id, name);
      }
    }
    return names;
  }, [messages]);
  const [showAll, setShowAll] = useState(false);
  const hidden = showAll ? 0 : Math.max(0, messages.length - RECENT_MESSAGES);
  const system = body ? textOf(body.system) : '';
  const tools = body && Array.isArray(body.tools) ? body.tools.filter(isRecord) : [];
  const answer = isRecord(response) ? response : null;

  if (!body && !answer) return null;

  return (
    <div className="convo">
      {system && (
        <details className="convo-fold">
          <summary>
            System prompt <span className="muted">· {system.length.toLocaleString()} characters</span>
          </summary>
          <div className="convo-text">{system}</div>
        </details>
      )}
      {tools.length > 0 && (
        <details className="convo-fold">
          <summary>
            Tools offered <span className="muted">· {tools.length}</span>
          </summary>
          <ul className="convo-tools">
            {tools.map((tool, index) => (
              <li key={index} className="mono">
                {str(tool.name) ?? str(tool.type) ?? 'unnamed'}
              </li>
            ))}
          </ul>
        </details>
      )}
      {hidden > 0 && (
        <button type="button" className="convo-earlier" onClick={() => setShowAll(true)}>
          Show {hidden} earlier message{hidden === 1 ? '' : 's'}
        </button>
      )}
      {messages.slice(hidden).map((message, index) => (
        <Message
          key={hidden + index}
          role={str(message.role) ?? 'user'}
          content={message.content}
          toolNames={toolNames}
        />
      ))}
      {answer && (
        <Message
          role="assistant"
          label="Response"
          content={answer.content}
          toolNames={toolNames}
          footer={
            str(answer.stop_reason) ? <span className="muted">Stopped: {str(answer.stop_reason)}</span> : undefined
          }
        />
      )}
    </div>
  );
}

function roleLabel(role: string, blocks: Json[]): string {
  if (role === 'user' && blocks.length > 0 && blocks.every((block) => block.type === 'tool_result')) {
    return blocks.length === 1 ? 'Tool result' : 'Tool results';
  }
  return role === 'assistant' ? 'Assistant' : role === 'user' ? 'User' : role;
}

function Message({
  role,
  label,
  content,
  toolNames,
  footer,
}: {
  role: string;
  label?: string;
  content: unknown;
  toolNames: Map<string, string>;
  footer?: ReactNode;
}) {
  const blocks = blocksOf(content);
  const heading = label ?? roleLabel(role, blocks);
  return (
    <section className={`convo-msg convo-${role === 'assistant' ? 'assistant' : 'user'}`} aria-label={heading}>
      <h4 className="convo-role">{heading}</h4>
      {blocks.length === 0 && <p className="muted">(empty)</p>}
      {blocks.map((block, index) => (
        <Block key={index} block={block} toolNames={toolNames} />
      ))}
      {footer && <div className="convo-footer">{footer}</div>}
    </section>
  );
}

function Block({
  block,
  toolNames,
  output = false,
}: {
  block: Json;
  toolNames: Map<string, string>;
  output?: boolean;
}) {
  switch (block.type) {
    case 'text':
      return <LongText text={str(block.text) ?? ''} output={output} />;
    case 'thinking':
      return (
        <details className="convo-fold convo-thinking">
          <summary>Thinking</summary>
          <div className="convo-text">{str(block.thinking) ?? ''}</div>
        </details>
      );
    case 'redacted_thinking':
      return <p className="convo-placeholder">Thinking (redacted by the API)</p>;
    case 'tool_use':
    case 'server_tool_use':
      return (
        <div className="convo-tool">
          <div className="convo-tool-head">
            <span className="convo-tool-kind">Tool call</span>
            <span className="mono">{str(block.name) ?? 'unnamed'}</span>
          </div>
          <pre className="logs-code">{pretty(block.input ?? {})}</pre>
        </div>
      );
    case 'tool_result': {
      const id = str(block.tool_use_id) ?? '';
      const failed = block.is_error === true;
      const inner = blocksOf(block.content);
      return (
        <div className={`convo-tool convo-result${failed ? ' is-error' : ''}`}>
          <div className="convo-tool-head">
            <span className="convo-tool-kind">Result</span>
            <span className="mono">{toolNames.get(id) ?? id}</span>
            {failed && <Badge tone="danger">error</Badge>}
          </div>
          {inner.length === 0 ? (
            <p className="muted">(no output)</p>
          ) : (
            inner.map((item, index) => <Block key={index} block={item} toolNames={toolNames} output />)
          )}
        </div>
      );
    }
    case 'image':
    case 'document':
      return <Attachment block={block} />;
    default: {
      const type = str(block.type) ?? 'block';
      return (
        <div className="convo-tool">
          <div className="convo-tool-head">
            <span className="convo-tool-kind">{type.replace(/_/g, ' ')}</span>
            {str(block.name) && <span className="mono">{str(block.name)}</span>}
          </div>
          <pre className="logs-code">{pretty(block)}</pre>
        </div>
      );
    }
  }
}

function Attachment({ block }: { block: Json }) {
  const source = isRecord(block.source) ? block.source : {};
  const kind = block.type === 'image' ? 'Image' : 'Document';
  const media = str(source.media_type);
  const data = str(source.data);
  const url = str(source.url);
  const title = str(block.title);
  const details = [title, media, data ? bytes(Math.floor((data.length * 3) / 4)) : null, url]
    .filter(Boolean)
    .join(' · ');
  return (
    <p className="convo-placeholder" role="img" aria-label={`${kind} attachment${details ? `: ${details}` : ''}`}>
      {kind === 'Image' ? '🖼' : '📄'} {kind}
      {details && <span className="muted"> · {details}</span>}
    </p>
  );
}

/**
 * Text that is a file listing (Claude Code numbers lines `   12→`) or a diff: wrapping it would break
 * the columns, so it is shown unwrapped in monospace and scrolls sideways instead.
 */
export function looksLikeCode(text: string): boolean {
  const lines = text.split('\n');
  const numbered = lines.filter((line) => /^\s*\d+→/.test(line)).length;
  if (numbered >= 2) return true;
  if (/^(diff --git |@@ -\d+(,\d+)? \+\d+(,\d+)? @@)/m.test(text)) return true;
  return /^--- \S/m.test(text) && /^\+\+\+ \S/m.test(text);
}

/** Tool output (file contents, command output) reads as it would in a terminal. */
function LongText({ text, output }: { text: string; output: boolean }) {
  const [open, setOpen] = useState(false);
  const code = looksLikeCode(text);
  if (code && (text.length <= LONG_TEXT || open)) return <pre className="logs-code convo-code">{text}</pre>;
  const className = output ? 'convo-text convo-output' : 'convo-text';
  if (text.length <= LONG_TEXT || open) return <div className={className}>{text}</div>;
  if (code)
    return (
      <div className="convo-code-folded">
        <pre className="logs-code convo-code">{text.slice(0, LONG_TEXT)}…</pre>
        <button type="button" className="link-button" onClick={() => setOpen(true)}>
          Show all {text.length.toLocaleString()} characters
        </button>
      </div>
    );
  return (
    <div className={className}>
      {text.slice(0, LONG_TEXT)}
      <span className="muted">…</span>{' '}
      <button type="button" className="link-button" onClick={() => setOpen(true)}>
        Show all {text.length.toLocaleString()} characters
      </button>
    </div>
  );
}
