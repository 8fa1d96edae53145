// Renders the captured content of a planned session: the request bodies Claude Code would have sent
// (system prompt, tool definitions, the growing conversation of prompts, tool calls and tool results)
// and the assistant messages that came back, sized to match the planned token counts. Bodies are built
// from pre-serialised messages so a 60-turn session costs one serialisation per message, not per turn.
import type { Random } from './prng.js';
import { MODELS, type ProjectName } from './scenario.js';
import type { PlannedRequest, PlannedSession, ToolCall, ToolName } from './traffic.js';

/** About this many characters of JSON per token. */
const CHARS_PER_TOKEN = 3.6;

export interface RenderedRequest {
  body: Buffer;
  parsed: Record<string, unknown>;
  /** The assistant message, as the log shows it; null when the API answered with an error. */
  response: unknown;
}

interface Project {
  root: string;
  language: 'ts' | 'tsx' | 'py' | 'tf';
  files: string[];
  commands: { command: string; description: string; output: string[] }[];
  prompts: string[];
  symbols: string[];
}

const PROJECTS: Record<ProjectName, Project> = {
  'payments-service': {
    root: '/home/dev/src/payments-service',
    language: 'ts',
    files: [
      'src/refunds/refund-service.ts',
      'src/refunds/refund-service.test.ts',
      'src/webhooks/stripe-webhook.ts',
      'src/payouts/payout-worker.ts',
      'src/ledger/ledger.ts',
      'src/ledger/ledger.test.ts',
      'src/money/rounding.ts',
      'src/db/migrations/0042_settlement_date.sql',
      'src/http/routes/payouts.ts',
      'package.json',
    ],
    commands: [
      {
        command: 'npm test -- src/refunds',
        description: 'Run the refund tests',
        output: [
          'PASS src/refunds/refund-service.test.ts',
          '  refund service',
          '    ✓ issues one refund per idempotency key (18 ms)',
          '    ✓ rejects a refund above the captured amount (4 ms)',
          'Tests: 14 passed, 14 total',
        ],
      },
      {
        command: 'npx tsc --noEmit',
        description: 'Type-check the project',
        output: [
          "src/payouts/payout-worker.ts(88,17): error TS2345: Argument of type 'string | undefined' is not assignable to parameter of type 'string'.",
        ],
      },
      {
        command: 'git diff --stat',
        description: 'Show what changed',
        output: [
          ' src/refunds/refund-service.ts      | 23 +++++++++++-------',
          ' src/refunds/refund-service.test.ts | 41 ++++++++++++++++++++++++',
          ' 2 files changed, 52 insertions(+), 12 deletions(-)',
        ],
      },
      {
        command: 'npm run lint',
        description: 'Lint',
        output: ['> payments-service@3.14.0 lint', '> eslint src', '', '✔ No problems found'],
      },
      {
        command: 'git log --oneline -8',
        description: 'Recent commits',
        output: [
          '9f1c2ab Retry payouts with jittered back-off',
          '4e7d013 Ledger: reject unbalanced entries',
          'b20e9c1 Bump stripe to 17.4.0',
        ],
      },
    ],
    prompts: [
      'The refund endpoint double-charges when Stripe retries the webhook. Find out why and fix it, with a test that reproduces it.',
      'Add idempotency keys to POST /v1/payouts, the same way refunds do it.',
      'ledger.test.ts is flaky on CI, roughly one run in ten. Can you find the race?',
      'Move the currency rounding into one helper in src/money and use it everywhere we round.',
      'Write a migration that backfills settlement_date for transactions created before March.',
      'Explain how the payout worker decides when to give up retrying.',
      'Add structured logging (request id, merchant id, amount) to the payout worker.',
      'Bump stripe-node to v18 and fix whatever breaks.',
    ],
    symbols: [
      'issueRefund',
      'RefundRequest',
      'idempotencyKey',
      'roundHalfEven',
      'LedgerEntry',
      'settlePayout',
      'merchantId',
      'amountMinor',
    ],
  },
  storefront: {
    root: '/home/dev/src/storefront',
    language: 'tsx',
    files: [
      'app/checkout/page.tsx',
      'app/checkout/address-form.tsx',
      'app/cart/cart-summary.tsx',
      'components/product-card.tsx',
      'lib/pricing.ts',
      'lib/analytics.ts',
      'tests/checkout.spec.ts',
      'next.config.mjs',
    ],
    commands: [
      {
        command: 'pnpm test checkout',
        description: 'Run checkout tests',
        output: ['✓ tests/checkout.spec.ts (9 tests) 1204ms', 'Test Files  1 passed (1)', '     Tests  9 passed (9)'],
      },
      {
        command: 'pnpm exec tsc --noEmit',
        description: 'Type-check',
        output: [
          "app/cart/cart-summary.tsx:41:9 - error TS2322: Type 'number | null' is not assignable to type 'number'.",
        ],
      },
      { command: 'pnpm lint', description: 'Lint', output: ['✔ No ESLint warnings or errors'] },
      {
        command: 'git status --short',
        description: 'Working tree status',
        output: [' M app/checkout/address-form.tsx', ' M lib/pricing.ts', '?? tests/address-form.spec.ts'],
      },
    ],
    prompts: [
      'The address form loses the postcode when you go back from the payment step. Fix it.',
      'Make the product card keyboard accessible: focus ring, Enter opens the product, and an accessible name for the quick-add button.',
      'Cart totals are off by a cent for some discount codes. Find where we round and make it consistent with lib/pricing.',
      'Add an analytics event when checkout fails validation, with the field names but no values.',
      'Split app/checkout/page.tsx into smaller components; it is 900 lines.',
      'Why does the checkout page re-render three times on load?',
      'Add Playwright tests for the guest checkout path.',
    ],
    symbols: [
      'AddressForm',
      'useCheckout',
      'formatPrice',
      'applyDiscount',
      'CartSummary',
      'trackEvent',
      'postcode',
      'lineItems',
    ],
  },
  'claims-pipeline': {
    root: '/home/dev/src/claims-pipeline',
    language: 'py',
    files: [
      'pipeline/ingest.py',
      'pipeline/dedupe.py',
      'pipeline/validate.py',
      'pipeline/models.py',
      'tests/test_dedupe.py',
      'tests/test_validate.py',
      'dags/nightly_claims.py',
      'pyproject.toml',
    ],
    commands: [
      {
        command: 'pytest tests/test_dedupe.py -q',
        description: 'Run dedupe tests',
        output: [
          '........F.',
          'FAILED tests/test_dedupe.py::test_same_claim_two_providers - AssertionError: 2 != 1',
          '1 failed, 9 passed in 0.84s',
        ],
      },
      { command: 'ruff check pipeline', description: 'Lint', output: ['All checks passed!'] },
      {
        command: 'python -m pipeline.validate --sample 1000',
        description: 'Validate a sample',
        output: ['validated 1000 claims: 987 ok, 13 rejected (missing icd10 code: 9, future service date: 4)'],
      },
    ],
    prompts: [
      'Claims submitted by two providers for the same visit are not deduplicated. Fix dedupe.py and add a test.',
      'Add validation for service dates in the future and report them separately.',
      'The nightly DAG takes 3 hours now. Profile ingest.py and make it faster.',
      'Convert models.py from dataclasses to pydantic v2 models.',
      "Write a script that compares this week's rejection reasons with last week's.",
    ],
    symbols: ['dedupe_claims', 'ClaimRecord', 'provider_npi', 'service_date', 'validate_claim', 'icd10_code'],
  },
  infrastructure: {
    root: '/home/dev/src/infrastructure',
    language: 'tf',
    files: [
      'environments/staging/main.tf',
      'environments/staging/variables.tf',
      'modules/service/main.tf',
      'modules/service/autoscaling.tf',
      '.github/workflows/deploy.yml',
      'k8s/staging/payments-deployment.yaml',
    ],
    commands: [
      {
        command: 'terraform plan -out=tfplan',
        description: 'Plan staging',
        output: ['Plan: 2 to add, 3 to change, 0 to destroy.'],
      },
      {
        command: 'kubectl get pods -n staging',
        description: 'List staging pods',
        output: [
          'NAME                        READY   STATUS    RESTARTS   AGE',
          'payments-7c9f8d6b5-x2kqp    1/1     Running   0          3h',
          'storefront-5d8b7c9f4-m8wzl  1/1     Running   2          3h',
        ],
      },
      { command: 'terraform validate', description: 'Validate', output: ['Success! The configuration is valid.'] },
    ],
    prompts: [
      'Migrate the staging payments service from the old ASG module to modules/service, keeping the same DNS name.',
      'The deploy workflow runs the migrations twice. Make it run them once, before the rollout.',
      'Add autoscaling on request latency for the storefront service in staging.',
      'Why does the storefront pod restart every few hours?',
      'Tag every staging resource with team and cost-centre.',
    ],
    symbols: ['aws_autoscaling_group', 'module.service', 'min_capacity', 'target_value', 'cost_centre', 'rollout'],
  },
};

const CODE_LINES: Record<Project['language'], string[]> = {
  ts: [
    "import { z } from 'zod';",
    'export async function {sym}(input: {Sym}Input): Promise<{Sym}Result> {',
    '  const existing = await db.{sym}.findUnique({ where: { idempotencyKey: input.idempotencyKey } });',
    '  if (existing) return existing;',
    '  const amount = roundHalfEven(input.amountMinor, input.currency);',
    "  logger.info({ merchantId: input.merchantId, amount }, '{sym} accepted');",
    '  return db.$transaction(async (tx) => {',
    '    await tx.ledgerEntry.create({ data: { debit: input.account, credit: CLEARING, amount } });',
    '  });',
    '}',
    '',
    "describe('{sym}', () => {",
    "  it('does it once per idempotency key', async () => {",
    '    expect(await {sym}(request)).toEqual(await {sym}(request));',
    '  });',
  ],
  tsx: [
    "'use client';",
    "import { useCheckout } from '@/lib/checkout';",
    'export function {Sym}({ lineItems }: {Sym}Props) {',
    '  const { state, dispatch } = useCheckout();',
    '  const total = lineItems.reduce((sum, item) => sum + item.price * item.quantity, 0);',
    '  return (',
    '    <section aria-labelledby="{sym}-heading" className="rounded-lg border p-4">',
    '      <h2 id="{sym}-heading">{formatPrice(total)}</h2>',
    '      <button type="button" onClick={() => dispatch({ type: \'next\' })}>Continue</button>',
    '    </section>',
    '  );',
    '}',
  ],
  py: [
    'from dataclasses import dataclass',
    'def {sym}(claims: list[ClaimRecord]) -> list[ClaimRecord]:',
    '    seen: dict[tuple[str, date], ClaimRecord] = {}',
    '    for claim in claims:',
    '        key = (claim.member_id, claim.service_date)',
    '        if key in seen and seen[key].provider_npi != claim.provider_npi:',
    '            log.info("duplicate claim %s", claim.claim_id)',
    '            continue',
    '        seen[key] = claim',
    '    return list(seen.values())',
    '',
  ],
  tf: [
    'module "{sym}" {',
    '  source        = "../../modules/service"',
    '  name          = "payments"',
    '  min_capacity  = 2',
    '  max_capacity  = 8',
    '  tags          = local.tags',
    '}',
    '',
    'resource "aws_appautoscaling_policy" "{sym}_latency" {',
    '  target_tracking_scaling_policy_configuration {',
    '    target_value = 250',
    '  }',
    '}',
  ],
};

const SYSTEM_INTRO = "You are Claude Code, Anthropic's official CLI for Claude.";

const GUIDELINES = [
  'You are an interactive CLI tool that helps users with software engineering tasks. Use the instructions below and the tools available to you to assist the user.',
  'IMPORTANT: Assist with defensive security tasks only. Refuse to create, modify, or improve code that may be used maliciously.',
  'Be concise, direct, and to the point. Your output will be displayed on a command line interface.',
  'When you run a non-trivial bash command, explain what the command does and why you are running it.',
  'Only use emojis if the user explicitly requests it.',
  'When making changes to files, first understand the file’s code conventions. Mimic code style, use existing libraries and utilities, and follow existing patterns.',
  'NEVER assume that a given library is available, even if it is well known. Check that this codebase already uses it first.',
  'Always follow security best practices. Never introduce code that exposes or logs secrets and keys. Never commit secrets or keys to the repository.',
  'Use the TodoWrite tool to plan and track tasks. Mark todos as completed as soon as you are done with a task.',
  'When doing file search, prefer to use the Task tool in order to reduce context usage.',
  'You have the capability to call multiple tools in a single response. When multiple independent pieces of information are requested, batch your tool calls together for optimal performance.',
  'VERY IMPORTANT: When you have completed a task, you MUST run the lint and typecheck commands if they were provided to you to ensure your code is correct.',
  'NEVER commit changes unless the user explicitly asks you to.',
  'When referencing specific functions or pieces of code include the pattern file_path:line_number to allow the user to easily navigate to the source code location.',
];

const TOOL_DESCRIPTIONS: Record<
  ToolName,
  { description: string; properties: Record<string, { type: string; description: string }>; required: string[] }
> = {
  Read: {
    description:
      'Reads a file from the local filesystem. The file_path parameter must be an absolute path. By default, it reads up to 2000 lines starting from the beginning of the file. Results are returned using cat -n format, with line numbers starting at 1.',
    properties: {
      file_path: { type: 'string', description: 'The absolute path to the file to read' },
      offset: { type: 'number', description: 'The line number to start reading from' },
      limit: { type: 'number', description: 'The number of lines to read' },
    },
    required: ['file_path'],
  },
  Bash: {
    description:
      'Executes a given bash command in a persistent shell session with optional timeout, ensuring proper handling and security measures. Before executing the command, verify that the parent directory exists. Always quote file paths that contain spaces.',
    properties: {
      command: { type: 'string', description: 'The command to execute' },
      description: {
        type: 'string',
        description: 'Clear, concise description of what this command does in 5-10 words',
      },
      timeout: { type: 'number', description: 'Optional timeout in milliseconds (max 600000)' },
    },
    required: ['command'],
  },
  Edit: {
    description:
      'Performs exact string replacements in files. You must use your Read tool at least once in the conversation before editing. The edit will FAIL if old_string is not unique in the file.',
    properties: {
      file_path: { type: 'string', description: 'The absolute path to the file to modify' },
      old_string: { type: 'string', description: 'The text to replace' },
      new_string: { type: 'string', description: 'The text to replace it with' },
      replace_all: { type: 'boolean', description: 'Replace all occurences of old_string' },
    },
    required: ['file_path', 'old_string', 'new_string'],
  },
  Grep: {
    description:
      'A powerful search tool built on ripgrep. Supports full regex syntax. Filter files with glob parameter or type parameter. Output modes: "content" shows matching lines, "files_with_matches" shows only file paths, "count" shows match counts.',
    properties: {
      pattern: { type: 'string', description: 'The regular expression pattern to search for in file contents' },
      path: { type: 'string', description: 'File or directory to search in' },
      output_mode: { type: 'string', description: 'Output mode' },
    },
    required: ['pattern'],
  },
  Glob: {
    description:
      'Fast file pattern matching tool that works with any codebase size. Supports glob patterns like "**/*.js" or "src/**/*.ts". Returns matching file paths sorted by modification time.',
    properties: {
      pattern: { type: 'string', description: 'The glob pattern to match files against' },
      path: { type: 'string', description: 'The directory to search in' },
    },
    required: ['pattern'],
  },
  TodoWrite: {
    description:
      'Use this tool to create and manage a structured task list for your current coding session. This helps you track progress, organize complex tasks, and demonstrate thoroughness to the user.',
    properties: { todos: { type: 'array', description: 'The updated todo list' } },
    required: ['todos'],
  },
  Write: {
    description:
      'Writes a file to the local filesystem. This tool will overwrite the existing file if there is one at the provided path. ALWAYS prefer editing existing files in the codebase.',
    properties: {
      file_path: { type: 'string', description: 'The absolute path to the file to write' },
      content: { type: 'string', description: 'The content to write to the file' },
    },
    required: ['file_path', 'content'],
  },
  MultiEdit: {
    description:
      'This is a tool for making multiple edits to a single file in one operation. Prefer this tool over the Edit tool when you need to make multiple edits to the same file.',
    properties: {
      file_path: { type: 'string', description: 'The absolute path to the file to modify' },
      edits: { type: 'array', description: 'Array of edit operations to perform sequentially on the file' },
    },
    required: ['file_path', 'edits'],
  },
  Task: {
    description:
      'Launch a new agent to handle complex, multi-step tasks autonomously. Available agent types: general-purpose, statusline-setup, output-style-setup.',
    properties: {
      description: { type: 'string', description: 'A short (3-5 word) description of the task' },
      prompt: { type: 'string', description: 'The task for the agent to perform' },
      subagent_type: { type: 'string', description: 'The type of specialized agent to use for this task' },
    },
    required: ['description', 'prompt', 'subagent_type'],
  },
  WebFetch: {
    description:
      'Fetches content from a specified URL and processes it using an AI model. Takes a URL and a prompt as input, fetches the URL content, converts HTML to markdown, and processes the content with the prompt.',
    properties: {
      url: { type: 'string', description: 'The URL to fetch content from' },
      prompt: { type: 'string', description: 'The prompt to run on the fetched content' },
    },
    required: ['url', 'prompt'],
  },
  WebSearch: {
    description:
      'Allows Claude to search the web and use the results to inform responses. Provides up-to-date information for current events and recent data.',
    properties: { query: { type: 'string', description: 'The search query to use' } },
    required: ['query'],
  },
};

const ALL_TOOLS = Object.keys(TOOL_DESCRIPTIONS) as ToolName[];

const USAGE_NOTES = [
  'Use this tool only when it is the most direct way to make progress on the task.',
  'If the output exceeds 30000 characters, it will be truncated before being returned to you.',
  'Prefer absolute paths; relative paths are resolved against the working directory of the session.',
  'When several independent calls are needed, send them in one message so they run in parallel.',
  'Do not use this tool to communicate with the user; all text you output outside of tool use is displayed to the user.',
  'If the result is empty, say so rather than guessing what it would have contained.',
];

/** Everything before the conversation: identical across a person's sessions, so the content store keeps it once. */
function prefixFor(session: PlannedSession, userName: string): { system: unknown[]; tools: unknown[]; bytes: number } {
  const project = PROJECTS[session.project];
  const env = `Here is useful information about the environment you are running in:\n<env>\nWorking directory: ${project.root.replace('/dev/', `/${userName}/`)}\nIs directory a git repo: Yes\nPlatform: linux\nOS Version: Linux 6.8.0-49-generic\n</env>`;
  const system = [
    { type: 'text', text: SYSTEM_INTRO, cache_control: { type: 'ephemeral' } },
    { type: 'text', text: `${GUIDELINES.join('\n\n')}\n\n${env}`, cache_control: { type: 'ephemeral' } },
  ];
  // Claude Code's real tool descriptions run to pages; pad with usage notes to the planned prefix size.
  const targetChars = session.prefixTokens * CHARS_PER_TOKEN;
  const base = JSON.stringify(system).length;
  const perTool = Math.max(0, (targetChars - base) / ALL_TOOLS.length);
  const tools = ALL_TOOLS.map((name, index) => {
    const spec = TOOL_DESCRIPTIONS[name];
    let description = `${spec.description}\n\nUsage notes:`;
    for (let i = 0; description.length < perTool - 400; i++)
      description += `\n- ${USAGE_NOTES[(i + index) % USAGE_NOTES.length] ?? ''}`;
    return {
      name,
      description,
      input_schema: {
        type: 'object',
        properties: spec.properties,
        required: spec.required,
        additionalProperties: false,
        $schema: 'http://json-schema.org/draft-07/schema#',
      },
    };
  });
  return { system, tools, bytes: JSON.stringify(system).length + JSON.stringify(tools).length };
}

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

function codeBlock(rng: Random, project: Project, chars: number): string {
  const lines = CODE_LINES[project.language];
  const sym = rng.pick(project.symbols);
  const out: string[] = [];
  let length = 0;
  let start = rng.int(0, lines.length - 1);
  for (let n = 1; length < chars; n++) {
    const line = (lines[start++ % lines.length] ?? '').replaceAll('{sym}', sym).replaceAll('{Sym}', capitalise(sym));
    const numbered = `${String(n).padStart(6)}→${line}`;
    out.push(numbered);
    length += numbered.length + 1;
  }
  return out.join('\n');
}

function toolUse(
  rng: Random,
  project: Project,
  call: ToolCall,
  userName: string,
): { input: Record<string, unknown>; result: string } {
  const root = project.root.replace('/dev/', `/${userName}/`);
  const file = `${root}/${rng.pick(project.files)}`;
  const chars = Math.max(20, Math.round(call.resultTokens * CHARS_PER_TOKEN));
  const sym = rng.pick(project.symbols);
  switch (call.name) {
    case 'Read':
      return { input: { file_path: file }, result: codeBlock(rng, project, chars) };
    case 'Bash': {
      const command = rng.pick(project.commands);
      let result = command.output.join('\n');
      while (result.length < chars) result += `\n${command.output.join('\n')}`;
      return {
        input: { command: command.command, description: command.description },
        result: result.slice(0, Math.max(chars, 40)),
      };
    }
    case 'Grep': {
      const lines: string[] = [];
      for (let length = 0; length < chars;) {
        const line = `${root}/${rng.pick(project.files)}:${rng.int(1, 400)}:  ${sym}(${rng.pick(project.symbols)})`;
        lines.push(line);
        length += line.length + 1;
      }
      return { input: { pattern: sym, path: root, output_mode: 'content' }, result: lines.join('\n') };
    }
    case 'Glob':
      return {
        input: { pattern: `**/*.${project.language}` },
        result: project.files.map((f) => `${root}/${f}`).join('\n'),
      };
    case 'Edit':
    case 'MultiEdit': {
      const old = `${sym}(input)`;
      const replacement = `${sym}(input, { idempotencyKey })`;
      return {
        input:
          call.name === 'Edit'
            ? { file_path: file, old_string: old, new_string: replacement }
            : { file_path: file, edits: [{ old_string: old, new_string: replacement }] },
        result: `The file ${file} has been updated. Here's the result of running \`cat -n\` on a snippet of the edited file:\n${codeBlock(rng, project, chars)}`,
      };
    }
    case 'Write':
      return {
        input: { file_path: file, content: codeBlock(rng, project, 600) },
        result: `File created successfully at: ${file}`,
      };
    case 'TodoWrite':
      return {
        input: {
          todos: [
            {
              content: `Find where ${sym} is called`,
              status: 'completed',
              activeForm: `Finding where ${sym} is called`,
            },
            { content: 'Write a failing test', status: 'in_progress', activeForm: 'Writing a failing test' },
            { content: 'Fix and run the suite', status: 'pending', activeForm: 'Fixing and running the suite' },
          ],
        },
        result:
          'Todos have been modified successfully. Ensure that you continue to use the todo list to track your progress.',
      };
    case 'Task':
      return {
        input: {
          description: `Find callers of ${sym}`,
          prompt: `Search the codebase for every caller of ${sym} and report file:line with one sentence each.`,
          subagent_type: 'general-purpose',
        },
        result: `Found ${rng.int(3, 9)} callers of ${sym}:\n${codeBlock(rng, project, chars)}`,
      };
    case 'WebFetch':
      return {
        input: {
          url: 'https://docs.stripe.com/api/idempotent_requests',
          prompt: 'How long are idempotency keys kept?',
        },
        result:
          `Idempotency keys are kept for at least 24 hours. ${'The API saves the status code and body of the first request made for any given idempotency key. '.repeat(Math.ceil(chars / 100))}`.slice(
            0,
            chars,
          ),
      };
    case 'WebSearch':
      return {
        input: { query: `${sym} best practice` },
        result:
          `Web search results for query: "${sym} best practice"\n${'- A result title — https://example.com/article\n'.repeat(Math.ceil(chars / 50))}`.slice(
            0,
            chars,
          ),
      };
  }
}

function words(rng: Random, tokens: number, seedText: string): string {
  const phrases = [
    'Let me check how this is wired up first.',
    `The relevant part is ${seedText}.`,
    'That explains the failure: the value is read before it is written.',
    'I will keep the change small and add a test that fails without it.',
    'Running the tests again to confirm.',
    'Everything passes now, and the type-check is clean.',
  ];
  let text = '';
  while (text.length < tokens * 4) text += `${rng.pick(phrases)} `;
  return text.trim();
}

/**
 * Every request of a session with its body and response, keyed by the planned request. Requests the
 * gateway refused before reading the body get the body of the turn they would have been.
 */
export function renderSession(
  rng: Random,
  session: PlannedSession,
  userName: string,
  /** The model that answers a request for `model` (a key's remap). */
  serve: (model: string) => string = (model) => model,
): Map<PlannedRequest, RenderedRequest> {
  const project = PROJECTS[session.project];
  const prefix = prefixFor(session, userName);
  const metadata = { user_id: `user_${rng.hex(64)}_account__session_${session.id}` };
  const messages: unknown[] = [];
  /** Each message serialised once, with the comma that separates it from the one before. */
  const messageBytes: Buffer[] = [];
  const add = (message: unknown): void => {
    messageBytes.push(Buffer.from(`${messages.length ? ',' : ''}${JSON.stringify(message)}`));
    messages.push(message);
  };
  const bodyTail = (thinking: boolean): Buffer =>
    Buffer.from(
      `],"system":${JSON.stringify(prefix.system)},"tools":${JSON.stringify(prefix.tools)},"metadata":${JSON.stringify(metadata)},"max_tokens":32000` +
        `${thinking ? ',"thinking":{"type":"enabled","budget_tokens":31999}' : ''},"stream":true}`,
    );
  const tail = bodyTail(session.profile.thinking);
  const prompted = new Set<number>();
  const out = new Map<PlannedRequest, RenderedRequest>();

  const promptOf = (task: number): string => {
    const seed = session.tasks[task] ?? 0;
    if (session.profile.kind === 'review-bot') {
      return `Review pull request #${1000 + (seed % 9000)} in northwind/${session.project}. Look for bugs, missing tests and security problems; reply with findings as a list of file:line comments.\n\n<diff>\n${codeBlock(rng, project, 4000)}\n</diff>`;
    }
    return project.prompts[seed % project.prompts.length] ?? '';
  };

  for (const request of session.requests) {
    const model = request.model ?? MODELS.sonnet45;
    if (request.role === 'side') {
      const prompt = promptOf(request.task);
      const parsed = {
        model,
        max_tokens: 512,
        messages: [{ role: 'user', content: prompt }],
        system: [
          {
            type: 'text',
            text: "Analyze if this message indicates a new conversation topic. If it does, extract a 2-3 word title that captures the new topic. Format your response as a JSON object with two fields: 'isNewTopic' (boolean) and 'title' (string, or null if isNewTopic is false). Only include these fields, no other text.",
          },
        ],
        temperature: 0,
        metadata,
        stream: true,
      };
      const title = prompt
        .split(/\s+/)
        .slice(1, 4)
        .join(' ')
        .replace(/[^\w\s-]/g, '');
      out.set(request, {
        body: Buffer.from(JSON.stringify(parsed)),
        parsed,
        response: assistantMessage(
          rng,
          serve(model),
          [{ type: 'text', text: JSON.stringify({ isNewTopic: true, title: capitalise(title) }) }],
          'end_turn',
          request,
        ),
      });
      continue;
    }

    if (!prompted.has(request.task)) {
      prompted.add(request.task);
      const reminder =
        request.task === 0 && session.profile.kind === 'developer'
          ? [
              {
                type: 'text',
                text: "<system-reminder>\nAs you answer the user's questions, you can use the following context:\n# important-instruction-reminders\nDo what has been asked; nothing more, nothing less.\n</system-reminder>",
              },
            ]
          : [];
      add({ role: 'user', content: [...reminder, { type: 'text', text: promptOf(request.task) }] });
    }
    if (request.role === 'compact') {
      add({
        role: 'user',
        content: [
          {
            type: 'text',
            text: "Your task is to create a detailed summary of the conversation so far, paying close attention to the user's explicit requests and your previous actions.",
          },
        ],
      });
    }

    const params = {
      model,
      max_tokens: 32_000,
      ...(session.profile.thinking && { thinking: { type: 'enabled', budget_tokens: 31_999 } }),
      stream: true,
    };
    const body = Buffer.concat([Buffer.from(`{"model":${JSON.stringify(model)},"messages":[`), ...messageBytes, tail]);
    const parsed = { ...params, messages: [...messages], system: prefix.system, tools: prefix.tools, metadata };

    const outcome = request.outcome.kind;
    if (outcome === 'refused' || outcome === 'upstream_error') {
      out.set(request, { body, parsed, response: null });
      continue;
    }

    const content: Record<string, unknown>[] = [];
    const uses: { id: string; result: string }[] = [];
    if (request.thinkingTokens > 0) {
      content.push({
        type: 'thinking',
        thinking: words(rng, request.thinkingTokens, rng.pick(project.symbols)),
        signature: rng.base62(96),
      });
    }
    if (request.role === 'compact') {
      content.push({
        type: 'text',
        text: `<summary>\n1. Primary request: ${promptOf(request.task)}\n2. Key files: ${project.files.slice(0, 4).join(', ')}\n3. ${words(rng, Math.min(request.usage.output_tokens, 2500), project.symbols.join(', '))}\n</summary>`,
      });
    } else {
      const visible = Math.max(10, request.usage.output_tokens - request.thinkingTokens);
      content.push({
        type: 'text',
        text: words(rng, request.final ? visible : Math.min(visible, 60), rng.pick(project.files)),
      });
      for (const call of request.tools) {
        const id = `toolu_01${rng.base62(22)}`;
        const use = toolUse(rng, project, call, userName);
        content.push({ type: 'tool_use', id, name: call.name, input: use.input });
        uses.push({ id, result: use.result });
      }
    }

    if (outcome === 'aborted' || outcome === 'stream_error') {
      // The stream broke off: the log keeps what had arrived.
      const partial = content.slice(0, Math.max(1, Math.ceil(content.length * request.completed)));
      out.set(request, { body, parsed, response: assistantMessage(rng, serve(model), partial, null, request) });
      if (outcome === 'aborted')
        add({ role: 'user', content: [{ type: 'text', text: '[Request interrupted by user]' }] });
      continue;
    }

    const stopReason = request.tools.length ? 'tool_use' : 'end_turn';
    out.set(request, { body, parsed, response: assistantMessage(rng, serve(model), content, stopReason, request) });
    if (request.role === 'compact') {
      messages.length = 0;
      messageBytes.length = 0;
      add({
        role: 'user',
        content: [
          {
            type: 'text',
            text: `This session is being continued from a previous conversation that ran out of context. The conversation is summarized below:\n${String((content.at(-1) as { text?: unknown }).text)}`,
          },
        ],
      });
      continue;
    }
    add({ role: 'assistant', content });
    if (uses.length) {
      add({
        role: 'user',
        content: uses.map((use) => ({ type: 'tool_result', tool_use_id: use.id, content: use.result })),
      });
    }
  }
  return out;
}

function assistantMessage(
  rng: Random,
  model: string,
  content: unknown[],
  stopReason: string | null,
  request: PlannedRequest,
): Record<string, unknown> {
  const { usage } = request;
  const done = request.completed >= 1;
  return {
    id: `msg_01${rng.base62(22)}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: usage.input_tokens,
      cache_creation_input_tokens: usage.cache_creation_input_tokens,
      cache_read_input_tokens: usage.cache_read_input_tokens,
      cache_creation: { ephemeral_5m_input_tokens: usage.cache_creation_input_tokens, ephemeral_1h_input_tokens: 0 },
      output_tokens: done ? usage.output_tokens : Math.round(usage.output_tokens * request.completed),
      service_tier: 'standard',
    },
  };
}
