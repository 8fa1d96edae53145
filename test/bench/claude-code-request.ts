// The request the benchmark sends: a deterministic Messages API call shaped like the ones Claude Code
// makes mid-session — two cached system blocks, 24 tools with long descriptions and JSON schemas, a few
// turns of tool_use/tool_result, thinking enabled, a session in metadata.user_id — padded to about
// 70 KB, with the headers Claude Code sends. Run it directly to print the body:
//   npx tsx test/bench/claude-code-request.ts [--stream]
import { pathToFileURL } from 'node:url';

export const CLAUDE_CODE_VERSION = '2.1.330';
export const SESSION_ID = '5f0c8a3e-2b7d-4e61-9c1a-7d3e9b2f4a10';
export const REQUEST_PATH = '/v1/messages?beta=true';
/** Body size the fixture is padded to; Claude Code's first turns with two MCP servers are about this big. */
export const TARGET_BODY_BYTES = 70 * 1024;

export interface ClaudeCodeRequestOptions {
  stream: boolean;
  /** The credential Claude Code puts in `Authorization: Bearer` (ANTHROPIC_AUTH_TOKEN). */
  credential: string;
  model?: string;
}

export interface ClaudeCodeRequest {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  /** The parsed body, for assertions and summaries. */
  json: Record<string, unknown>;
}

export function claudeCodeRequest(options: ClaudeCodeRequestOptions): ClaudeCodeRequest {
  const json = claudeCodeRequestBody(options.stream, options.model);
  const body = Buffer.from(JSON.stringify(json), 'utf8');
  return { path: REQUEST_PATH, headers: claudeCodeHeaders(options.credential, body.length), body, json };
}

export function claudeCodeHeaders(credential: string, contentLength: number): Record<string, string> {
  return {
    accept: 'application/json',
    'anthropic-beta':
      'claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14,context-management-2025-06-27',
    'anthropic-dangerous-direct-browser-access': 'true',
    'anthropic-version': '2023-06-01',
    authorization: `Bearer ${credential}`,
    'content-type': 'application/json',
    'content-length': String(contentLength),
    'user-agent': `claude-cli/${CLAUDE_CODE_VERSION} (external, cli)`,
    'x-app': 'cli',
    'x-claude-code-session-id': SESSION_ID,
    'x-stainless-arch': 'x64',
    'x-stainless-lang': 'js',
    'x-stainless-os': 'Linux',
    'x-stainless-package-version': '0.70.0',
    'x-stainless-retry-count': '0',
    'x-stainless-runtime': 'node',
    'x-stainless-runtime-version': 'v22.19.0',
    'x-stainless-timeout': '600',
  };
}

/** The reply the stand-in is asked for (its `REPLY WITH:` convention): about 30 text deltas when streamed. */
export const REPLY_TEXT =
  'The retry loop in src/client.ts never resets its backoff after a success, so one early 529 makes every later ' +
  'retry wait the full ceiling. I will reset the attempt counter when a response arrives and add a test that ' +
  'drives two overloads separated by a success, then run the client tests to confirm nothing else depends on it.';

export function claudeCodeRequestBody(stream: boolean, model = 'claude-opus-4-8'): Record<string, unknown> {
  const build = (padding: number): Record<string, unknown> => ({
    model,
    messages: messages(),
    system: [
      {
        type: 'text',
        text: "You are Claude Code, Anthropic's official CLI for Claude.",
        cache_control: { type: 'ephemeral' },
      },
      { type: 'text', text: systemPrompt(padding), cache_control: { type: 'ephemeral' } },
    ],
    tools: tools(),
    metadata: {
      user_id: JSON.stringify({
        device_id: '9b1e4c7a2f8d3e6b0a5c1d9f7e2b4a8c6d0e3f5a7b9c1d2e4f6a8b0c2d4e6f8a',
        account_uuid: '3c9e1f7a-5b2d-4a8e-b6c0-1d3f5e7a9b2c',
        session_id: SESSION_ID,
      }),
    },
    max_tokens: 32000,
    thinking: { type: 'enabled', budget_tokens: 31999 },
    stream,
  });
  // Pad the system prompt so the body lands on the target size whatever the variant; the second pass
  // takes back what JSON escaping of the padding's newlines added.
  const size = (padding: number): number => Buffer.byteLength(JSON.stringify(build(padding)));
  const first = Math.max(0, TARGET_BODY_BYTES - size(0));
  return build(Math.max(0, first - (size(first) - TARGET_BODY_BYTES)));
}

// ---- text ------------------------------------------------------------------------------------------

const SENTENCES = [
  'Prefer the dedicated file tools over shell commands when reading, searching or editing files.',
  'Always use absolute paths; relative paths are resolved against the working directory, which may have changed.',
  'When several independent calls are needed, make them in the same turn so they run in parallel.',
  'Never commit changes unless the user explicitly asks you to; a commit is a visible, shared action.',
  'Quote file paths that contain spaces with double quotes so the shell passes them as one argument.',
  'Read a file before editing it: the edit fails when old_string does not match the file exactly.',
  'Keep the output short and focused; the user reads it in a terminal and long blocks are easy to miss.',
  'If a command is expected to run for a long time, run it in the background and check on it later.',
  'Avoid interactive flags such as -i, because there is no terminal to answer their prompts.',
  'Match the conventions of the surrounding code: naming, formatting, imports and error handling.',
  'Do not add comments that restate the code; explain why a non-obvious choice was made instead.',
  'Search results are sorted by modification time so the most recently changed files come first.',
  'Use the todo list for tasks with three or more steps and mark each item done as soon as it is.',
  'When the user asks a question about the code, answer it before proposing or making changes.',
  'Tests are the fastest way to confirm a change; find how the project runs them before guessing.',
  'If a hook blocks a tool call, adjust your action in light of its message rather than retrying.',
  'Large outputs are truncated after 30000 characters; narrow the command when that happens.',
  'Respect the sandbox: it limits network access and writes outside the project directory.',
  'A failing command is information: read the error before changing anything and trying again.',
  'The user may interrupt at any time; keep each step small enough to resume from cleanly.',
  'Prefer editing existing files to creating new ones, and never create documentation unasked.',
  'Secrets found in files or environment variables must never be printed, logged or committed.',
  'Report what you verified and what you could not, so the user knows what still needs checking.',
  'When a URL redirects to another host, make a new request to the redirect URL you were given.',
];

/** Deterministic prose of about `length` characters (mulberry32 over the sentence list). */
function prose(seed: number, length: number): string {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const sentence = SENTENCES[Math.floor(next() * SENTENCES.length)] ?? '';
    const text = next() < 0.15 ? `\n\n- ${sentence}` : ` ${sentence}`;
    parts.push(text);
    size += text.length;
  }
  return parts.join('').trim().slice(0, length);
}

function systemPrompt(padding: number): string {
  const base = [
    'You are an interactive CLI tool that helps users with software engineering tasks. Use the instructions below and the tools available to you to assist the user.',
    'IMPORTANT: Assist with authorized security testing, defensive security, CTF challenges, and educational contexts.',
    '# Tone and style\n' + prose(11, 1800),
    '# Doing tasks\n' + prose(12, 2200),
    '# Tool usage policy\n' + prose(13, 1600),
    "Here is useful information about the environment you are running in:\n<env>\nWorking directory: /home/dev/project\nIs directory a git repo: Yes\nPlatform: linux\nOS Version: Linux 6.8.0-49-generic\nToday's date: 2026-05-04\n</env>\nYou are powered by the model named Opus 4.8. The exact model ID is claude-opus-4-8.",
    'gitStatus: This is the git status at the start of the conversation.\nCurrent branch: fix/retry-backoff\nMain branch: main\nStatus:\nM src/client.ts\n?? notes/retry.md\nRecent commits:\n4e1d2a9 client: surface request ids in errors\n9a7c3f0 build: bump undici\nb2e8d41 test: cover 529 retries',
  ].join('\n\n');
  return padding > 0 ? `${base}\n\n# Project memory (CLAUDE.md)\n${prose(14, padding)}` : base;
}

// ---- tools -----------------------------------------------------------------------------------------

type Schema = Record<string, unknown>;

const str = (description: string): Schema => ({ type: 'string', description });
const num = (description: string): Schema => ({ type: 'number', description });
const bool = (description: string): Schema => ({ type: 'boolean', description });
const oneOf = (values: string[], description: string): Schema => ({ type: 'string', enum: values, description });

function objectSchema(properties: Record<string, Schema>, required: string[]): Schema {
  return {
    type: 'object',
    properties,
    required,
    additionalProperties: false,
    $schema: 'http://json-schema.org/draft-07/schema#',
  };
}

interface ToolSpec {
  name: string;
  summary: string;
  /** Characters of usage notes after the summary; Claude Code's own tools carry long ones. */
  notes: number;
  properties: Record<string, Schema>;
  required: string[];
}

const TOOL_SPECS: ToolSpec[] = [
  {
    name: 'Task',
    summary: 'Launch a new agent to handle complex, multi-step tasks autonomously.',
    notes: 5200,
    properties: {
      description: str('A short (3-5 word) description of the task'),
      prompt: str('The task for the agent to perform'),
      subagent_type: str('The type of specialized agent to use for this task'),
      model: oneOf(['sonnet', 'opus', 'haiku'], 'Optional model override for this agent.'),
      run_in_background: bool('Set to true to run this agent in the background.'),
    },
    required: ['description', 'prompt'],
  },
  {
    name: 'Bash',
    summary: 'Executes a given bash command in a persistent shell session with optional timeout.',
    notes: 8600,
    properties: {
      command: str('The command to execute'),
      timeout: num('Optional timeout in milliseconds (max 600000)'),
      description: str('Clear, concise description of what this command does in 5-10 words, in active voice.'),
      run_in_background: bool('Set to true to run this command in the background.'),
      dangerouslyDisableSandbox: bool('Set this to true to dangerously override sandbox mode.'),
    },
    required: ['command'],
  },
  {
    name: 'Glob',
    summary: 'Fast file pattern matching tool that works with any codebase size.',
    notes: 700,
    properties: {
      pattern: str('The glob pattern to match files against'),
      path: str('The directory to search in. If not specified, the current working directory will be used.'),
    },
    required: ['pattern'],
  },
  {
    name: 'Grep',
    summary: 'A powerful search tool built on ripgrep.',
    notes: 1500,
    properties: {
      pattern: str('The regular expression pattern to search for in file contents'),
      path: str('File or directory to search in (rg PATH). Defaults to current working directory.'),
      glob: str('Glob pattern to filter files (e.g. "*.js", "*.{ts,tsx}") - maps to rg --glob'),
      output_mode: oneOf(['content', 'files_with_matches', 'count'], 'Output mode. Defaults to "files_with_matches".'),
      '-B': num('Number of lines to show before each match (rg -B).'),
      '-A': num('Number of lines to show after each match (rg -A).'),
      '-C': num('Number of lines to show before and after each match (rg -C).'),
      '-n': bool('Show line numbers in output (rg -n).'),
      '-i': bool('Case insensitive search (rg -i)'),
      type: str('File type to search (rg --type). Common types: js, py, rust, go, java, etc.'),
      head_limit: num('Limit output to first N lines/entries, equivalent to "| head -N".'),
      multiline: bool('Enable multiline mode where . matches newlines (rg -U --multiline-dotall).'),
    },
    required: ['pattern'],
  },
  {
    name: 'ExitPlanMode',
    summary: 'Use this tool when you are in plan mode and have finished presenting your plan and are ready to code.',
    notes: 1100,
    properties: { plan: str('The plan you came up with, that you want to run by the user for approval.') },
    required: ['plan'],
  },
  {
    name: 'Read',
    summary: 'Reads a file from the local filesystem. You can access any file directly by using this tool.',
    notes: 1700,
    properties: {
      file_path: str('The absolute path to the file to read'),
      offset: num('The line number to start reading from.'),
      limit: num('The number of lines to read.'),
      pages: str('Page range for PDF files (e.g., "1-5", "3", "10-20").'),
    },
    required: ['file_path'],
  },
  {
    name: 'Edit',
    summary: 'Performs exact string replacements in files.',
    notes: 1400,
    properties: {
      file_path: str('The absolute path to the file to modify'),
      old_string: str('The text to replace'),
      new_string: str('The text to replace it with (must be different from old_string)'),
      replace_all: bool('Replace all occurrences of old_string (default false)'),
    },
    required: ['file_path', 'old_string', 'new_string'],
  },
  {
    name: 'Write',
    summary: 'Writes a file to the local filesystem.',
    notes: 800,
    properties: {
      file_path: str('The absolute path to the file to write (must be absolute, not relative)'),
      content: str('The content to write to the file'),
    },
    required: ['file_path', 'content'],
  },
  {
    name: 'NotebookEdit',
    summary: 'Completely replaces the contents of a specific cell in a Jupyter notebook (.ipynb file) with new source.',
    notes: 800,
    properties: {
      notebook_path: str('The absolute path to the Jupyter notebook file to edit'),
      cell_id: str('The ID of the cell to edit.'),
      new_source: str('The new source for the cell'),
      cell_type: oneOf(['code', 'markdown'], 'The type of the cell (code or markdown).'),
      edit_mode: oneOf(['replace', 'insert', 'delete'], 'The type of edit to make. Defaults to replace.'),
    },
    required: ['notebook_path', 'new_source'],
  },
  {
    name: 'WebFetch',
    summary: 'Fetches content from a specified URL and processes it using an AI model.',
    notes: 1300,
    properties: {
      url: { type: 'string', format: 'uri', description: 'The URL to fetch content from' },
      prompt: str('The prompt to run on the fetched content'),
    },
    required: ['url', 'prompt'],
  },
  {
    name: 'TodoWrite',
    summary: 'Use this tool to create and manage a structured task list for your current coding session.',
    notes: 7400,
    properties: {
      todos: {
        type: 'array',
        description: 'The updated todo list',
        items: {
          type: 'object',
          properties: {
            content: { type: 'string', minLength: 1 },
            status: { type: 'string', enum: ['pending', 'in_progress', 'completed'] },
            activeForm: { type: 'string', minLength: 1 },
          },
          required: ['content', 'status', 'activeForm'],
          additionalProperties: false,
        },
      },
    },
    required: ['todos'],
  },
  {
    name: 'WebSearch',
    summary: 'Allows Claude to search the web and use the results to inform responses.',
    notes: 900,
    properties: {
      query: { type: 'string', minLength: 2, description: 'The search query to use' },
      allowed_domains: {
        type: 'array',
        items: { type: 'string' },
        description: 'Only include results from these domains',
      },
      blocked_domains: {
        type: 'array',
        items: { type: 'string' },
        description: 'Never include results from these domains',
      },
    },
    required: ['query'],
  },
  {
    name: 'BashOutput',
    summary: 'Retrieves output from a running or completed background bash shell.',
    notes: 500,
    properties: {
      bash_id: str('The ID of the background shell to retrieve output from'),
      filter: str('Optional regular expression to filter the output lines.'),
    },
    required: ['bash_id'],
  },
  {
    name: 'KillShell',
    summary: 'Kills a running background bash shell by its ID.',
    notes: 300,
    properties: { shell_id: str('The ID of the background shell to kill') },
    required: ['shell_id'],
  },
  {
    name: 'AskUserQuestion',
    summary: 'Use this tool when you need to ask the user questions during execution.',
    notes: 1200,
    properties: {
      questions: {
        type: 'array',
        minItems: 1,
        maxItems: 4,
        description: 'Questions to ask the user (1-4 questions)',
        items: {
          type: 'object',
          properties: {
            question: str('The complete question to ask the user.'),
            header: str('Very short label displayed as a chip/tag (max 12 chars).'),
            multiSelect: bool('Set to true to allow the user to select multiple options.'),
            options: {
              type: 'array',
              minItems: 2,
              maxItems: 4,
              items: {
                type: 'object',
                properties: {
                  label: str('The display text for this option.'),
                  description: str('What this option means.'),
                },
                required: ['label', 'description'],
                additionalProperties: false,
              },
            },
          },
          required: ['question', 'header', 'options', 'multiSelect'],
          additionalProperties: false,
        },
      },
    },
    required: ['questions'],
  },
  {
    name: 'Skill',
    summary: 'Execute a skill within the main conversation.',
    notes: 1100,
    properties: { skill: str('The skill name, e.g. "pdf" or "xlsx".') },
    required: ['skill'],
  },
  {
    name: 'ListMcpResourcesTool',
    summary: 'List available resources from configured MCP servers.',
    notes: 400,
    properties: { server: str('Optional server name to filter resources by') },
    required: [],
  },
  {
    name: 'ReadMcpResourceTool',
    summary: 'Reads a specific resource from an MCP server, identified by server name and resource URI.',
    notes: 300,
    properties: { server: str('The MCP server name'), uri: str('The resource URI to read') },
    required: ['server', 'uri'],
  },
  {
    name: 'mcp__github__create_issue',
    summary: 'Create a new issue in a GitHub repository.',
    notes: 300,
    properties: {
      owner: str('Repository owner'),
      repo: str('Repository name'),
      title: str('Issue title'),
      body: str('Issue body content'),
      assignees: { type: 'array', items: { type: 'string' }, description: 'Usernames to assign to this issue' },
      labels: { type: 'array', items: { type: 'string' }, description: 'Labels to apply to this issue' },
      milestone: num('Milestone number'),
    },
    required: ['owner', 'repo', 'title'],
  },
  {
    name: 'mcp__github__get_issue',
    summary: 'Get details of a specific issue in a GitHub repository.',
    notes: 200,
    properties: {
      owner: str('The owner of the repository'),
      repo: str('The name of the repository'),
      issue_number: num('The number of the issue'),
    },
    required: ['owner', 'repo', 'issue_number'],
  },
  {
    name: 'mcp__github__create_pull_request',
    summary: 'Create a new pull request in a GitHub repository.',
    notes: 300,
    properties: {
      owner: str('Repository owner'),
      repo: str('Repository name'),
      title: str('PR title'),
      body: str('PR description'),
      head: str('Branch containing changes'),
      base: str('Branch to merge into'),
      draft: bool('Create as draft PR'),
      maintainer_can_modify: bool('Allow maintainer edits'),
    },
    required: ['owner', 'repo', 'title', 'head', 'base'],
  },
  {
    name: 'mcp__github__search_code',
    summary: 'Search for code across GitHub repositories.',
    notes: 300,
    properties: {
      q: str('Search query using GitHub code search syntax'),
      sort: oneOf(['indexed'], 'Sort field'),
      order: oneOf(['asc', 'desc'], 'Sort order'),
      perPage: { type: 'number', minimum: 1, maximum: 100, description: 'Results per page (max 100)' },
      page: { type: 'number', minimum: 1, description: 'Page number' },
    },
    required: ['q'],
  },
  {
    name: 'mcp__github__list_commits',
    summary: 'Get list of commits of a branch in a GitHub repository.',
    notes: 200,
    properties: {
      owner: str('Repository owner'),
      repo: str('Repository name'),
      sha: str('SHA or branch name to list commits of'),
      perPage: num('Results per page (max 100)'),
      page: num('Page number'),
    },
    required: ['owner', 'repo'],
  },
  {
    name: 'mcp__playwright__browser_navigate',
    summary: 'Navigate to a URL.',
    notes: 150,
    properties: { url: str('The URL to navigate to') },
    required: ['url'],
  },
];

function tools(): Record<string, unknown>[] {
  return TOOL_SPECS.map((spec, index) => ({
    name: spec.name,
    description: `${spec.summary}\n\nUsage notes:\n${prose(100 + index, spec.notes)}`,
    input_schema: objectSchema(spec.properties, spec.required),
  }));
}

// ---- conversation ----------------------------------------------------------------------------------

const CLIENT_SOURCE = [
  "import { Agent, request } from 'undici';",
  '',
  'export interface RetryOptions { attempts: number; baseMs: number; ceilingMs: number }',
  '',
  'export async function send(url: string, body: string, retry: RetryOptions): Promise<Response> {',
  '  let attempt = 0;',
  '  for (;;) {',
  "    const response = await fetch(url, { method: 'POST', body });",
  '    if (response.status !== 529 || attempt >= retry.attempts) return response;',
  '    attempt++;',
  '    await sleep(Math.min(retry.ceilingMs, retry.baseMs * 2 ** attempt));',
  '  }',
  '}',
]
  .map((line, i) => `${String(i + 1).padStart(6)}\t${line}`)
  .join('\n');

function messages(): Record<string, unknown>[] {
  return [
    {
      role: 'user',
      content: [
        {
          type: 'text',
          text: `<system-reminder>\nAs you answer the user's questions, you can use the following context:\n# important-instruction-reminders\n${prose(7, 900)}\n</system-reminder>`,
        },
        {
          type: 'text',
          text: 'The client keeps waiting 30 seconds between retries after the first overload. Find out why and fix it.',
        },
      ],
    },
    {
      role: 'assistant',
      content: [
        {
          type: 'thinking',
          thinking: 'The user describes backoff that stays at the ceiling. Start with the retry loop in the client.',
          signature: 'EqQBCkYIBxgCKkDk1mWq0f3tJ9vT2nq8Yc4Hq5x3lS0vKx2Y6pX1mR7bN9wZ4eC8uA5tL2oJ3iG6hD0fV1sQ7kP9yM4rE2wB',
        },
        { type: 'text', text: "I'll look at the retry loop in the client first." },
        {
          type: 'tool_use',
          id: 'toolu_01A7xK3mQ9rT2vW5yZ8bC1dE',
          name: 'Read',
          input: { file_path: '/home/dev/project/src/client.ts' },
        },
      ],
    },
    {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_01A7xK3mQ9rT2vW5yZ8bC1dE', content: CLIENT_SOURCE }],
    },
    {
      role: 'assistant',
      content: [
        {
          type: 'tool_use',
          id: 'toolu_01F4gH6jK8lM0nP2qR4sT6uV',
          name: 'Grep',
          input: { pattern: 'attempt', path: '/home/dev/project/src', output_mode: 'content', '-n': true },
        },
      ],
    },
    {
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'toolu_01F4gH6jK8lM0nP2qR4sT6uV',
          content:
            'src/client.ts:6:  let attempt = 0;\nsrc/client.ts:9:    if (response.status !== 529 || attempt >= retry.attempts) return response;\nsrc/client.ts:10:    attempt++;',
        },
        // The stand-in's convention for choosing its reply, in the text block Claude Code appends to a tool result.
        { type: 'text', text: `REPLY WITH: ${REPLY_TEXT}`, cache_control: { type: 'ephemeral' } },
      ],
    },
  ];
}

// ---- print -----------------------------------------------------------------------------------------

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const request = claudeCodeRequest({ stream: process.argv.includes('--stream'), credential: 'sk-tg-example' });
  process.stdout.write(request.body.toString('utf8') + '\n');
  process.stderr.write(
    `${request.body.length} bytes, ${TOOL_SPECS.length} tools, headers: ${Object.keys(request.headers).join(', ')}\n`,
  );
}
