/*
 * Shared UI building blocks. Import from 'renderer/src/components' (relative: '../../components').
 * All are presentational; styles live in renderer/src/styles/*.css (imported once by main.tsx).
 *
 * Layout
 *   <PageHeader title description? actions? />        The page's h1, a one-line purpose, right-aligned actions.
 *   <Card title? subtitle? actions? className?>…</Card> A titled panel (section labelled by its h2).
 *   <Stat label value detail? />                      A headline figure inside a Card.
 *   <EmptyState title body? action? >children?</EmptyState>  Nothing-yet state that teaches the first step.
 *
 * Feedback
 *   <ErrorBanner error onRetry? onDismiss? title? />  role="alert"; `error` may be an Error/ApiError/string.
 *   errorMessage(error: unknown): string
 *   <Spinner label? />  inline; <Loading label? />  a role="status" block ("Loading…").
 *   useToast() → { success(msg), info(msg), error(msg), show(msg, tone?), dismiss(id) }
 *     Failures (error) stay until dismissed. Store actions can call `toast` from '../stores/toasts' directly.
 *     <Toaster /> renders them; the shell mounts it once (render it yourself in isolated page tests).
 *   <Badge tone?="neutral|info|success|warning|danger">text</Badge>
 *
 * Values
 *   <Money value={usd} format?="standard|precise|compact" />  tabular figures; `<$0.01` for crumbs.
 *   <TimeAgo value={iso|ms|Date|null} fallback?="Never" />    <time> with exact time on hover.
 *   <BudgetBar used limit reserved? label projected? showFigures? />  role="meter"; label is required.
 *   format.ts: formatUsd, formatCount, formatPercent, formatRelative, formatDateTime, formatResetDuration, formatPer.
 *   labels.ts: refusalLabel(code) ("Budget spent"), levelLabel(owner_type) ("Key"), humanise(code).
 *
 * Controls
 *   <Button variant?="primary|secondary|ghost|danger" size?="sm|md" busy? icon? …buttonProps />  type defaults to "button".
 *   <Dialog open title description? onClose footer? size?="sm|md|lg" dismissible?>…</Dialog>
 *     Modal, focus-trapped, Escape closes, focus returns to the opener. Put `data-autofocus` on the first field.
 *   <ConfirmDialog open title body confirmLabel tone? busy? onConfirm onCancel />
 *   <Menu label items={[{ label, onSelect, tone?: 'danger', disabled? }]} trigger?="⋯" />  keyboard menu.
 *   <DataTable caption columns={[{ id, header, cell: (row) => node, align?: 'end', width?, hideHeader? }]}
 *              rows rowKey empty? rowClassName? showCaption? />
 *   Fields: <TextInput label hint? error? …inputProps />, <TextArea …/>, <Select label options={[{value,label}]} …/>,
 *           <Checkbox label hint? …/>, and <Field label hint? error?>{(ids) => <input {...ids} />}</Field> for anything else.
 *   <BudgetsEditor budgets={BudgetDraft[]} onChange errors? prefix?="budgets" emptyText? />  rows of limit/reset/calendar/zone;
 *     budget-drafts.ts: budgetDraftsFrom(budgets), budgetInputsFrom(drafts, errors) → BudgetInput[], emptyBudget().
 *   <KeyTemplateFields draft onChange errors? others? />  a sign-in key's common settings (allowed models, monthly
 *     budget, request limit, denied tools); key-template.ts: draftFromKeyFields(base), keyFieldsFromDraft(base, draft,
 *     { emptied }) → { fields, errors } over a base such as the settings' sign_in_key_template, otherKeySettings(base).
 *   <SegmentedControl label value options={[{value,label}]} onChange />  radio group styled as buttons.
 *   <CopyButton text label children?="Copy" />, <CodeBlock code label />  (pre + copy button).
 *   <ConnectSnippets secret endpoints={useEndpoints()} />  Claude Code settings.json and shell lines from
 *     shared/snippets.ts, for this computer or (while LAN sharing listens) a teammate, with the CA download.
 *
 * Routing (hash based: #/logs?session=abc)
 *   useRoute() → { page, rest: string[], path, params: URLSearchParams }
 *   navigate(path, params?, { replace? }), setRouteParams(patch, { replace? = true })  (null/'' removes a key)
 *   hrefFor(path, params?) → '#/logs?session=abc'; <Link to="/logs" params={{ session }}>…</Link>
 *
 * Gateway access
 *   useConnection() → Connection { apiBase, adminToken }  (only inside the signed-in shell)
 *   useApi() → callApi(name, { params?, query?, body? })  typed from shared/contract.ts; a 401 signs the tab out.
 *   useGatewayUrl() → the address this dashboard talks to.
 *   useEndpoints() → { local, lan[] }: where Claude Code reaches the gateway (stores/gateway.ts keeps the status).
 *   useNow(intervalMs?) → Date.now(), refreshed every second (or intervalMs) while mounted: for countdowns.
 *   Stores should import `callApi` from '../stores/session' and call it in their actions.
 *   Tests: useSession.getState().connect({ apiBase: 'http://gateway.test', adminToken: 't' }) then stub fetch.
 *   Signing out calls every reset registered with onSignOut(reset) from '../stores/session'.
 *   After changing settings, call useSession.getState().setConfig(client_config) so the header stays right.
 */
export { Badge, type BadgeProps, type Tone } from './Badge';
export { BudgetBar, budgetTone, type BudgetBarProps } from './BudgetBar';
export { budgetDraftsFrom, budgetInputsFrom, emptyBudget, type BudgetDraft, type FieldErrors } from './budget-drafts';
export { BudgetsEditor, type BudgetsEditorProps } from './BudgetsEditor';
export { Button, type ButtonProps } from './Button';
export { Card, Stat, type CardProps, type StatProps } from './Card';
export { CodeBlock, CopyButton, copyText, type CodeBlockProps, type CopyButtonProps } from './CopyButton';
export { ConnectSnippets, type ConnectSnippetsProps, type SnippetTarget } from './ConnectSnippets';
export { ConfirmDialog, Dialog, type ConfirmDialogProps, type DialogProps } from './Dialog';
export { EmptyState, type EmptyStateProps } from './EmptyState';
export { ErrorBanner, errorMessage, type ErrorBannerProps } from './ErrorBanner';
export { Checkbox, Field, Select, TextArea, TextInput, type FieldProps } from './Field';
export * from './format';
export { useApi, useConnection, useEndpoints, useGatewayUrl, useNow } from './hooks';
export {
  draftFromKeyFields,
  keyFieldsFromDraft,
  otherKeySettings,
  type KeyFields,
  type KeyFieldsOptions,
  type KeyTemplateDraft,
} from './key-template';
export { KeyTemplateFields, type KeyTemplateFieldsProps } from './KeyTemplateFields';
export { Menu, type MenuItem, type MenuProps } from './Menu';
export { Money, type MoneyProps } from './Money';
export { PageHeader, type PageHeaderProps } from './PageHeader';
export { hrefFor, Link, navigate, parseHash, setRouteParams, useRoute, type LinkProps, type ParamValues, type Route } from './router';
export { SegmentedControl, type SegmentedControlProps } from './SegmentedControl';
export { Loading, Spinner, type LoadingProps } from './Spinner';
export { DataTable, type Column, type DataTableProps } from './Table';
export { TimeAgo, type TimeAgoProps } from './TimeAgo';
export { Toaster, useToast, type ToastApi } from './Toaster';
export { humanise, levelLabel, refusalLabel } from './labels';
