// Inviting a teammate: who they are (optional: without a name they enter their own), their team, the
// key they get and how long the invite works. The answer is a link shown once: the teammate opens it
// and enters the code their Claude Code shows, and the sign-in is approved at once with these settings.
import { useId, useMemo, useState, type FormEvent } from 'react';
import { Button } from '../../components/Button';
import type { FieldErrors } from '../../components/budget-drafts';
import { CopyButton } from '../../components/CopyButton';
import { Dialog } from '../../components/Dialog';
import { ErrorBanner, errorMessage } from '../../components/ErrorBanner';
import { Select, TextInput } from '../../components/Field';
import { formatDateTime } from '../../components/format';
import {
  draftFromKeyFields,
  keyFieldsFromDraft,
  otherKeySettings,
  type KeyFields,
} from '../../components/key-template';
import { KeyTemplateFields } from '../../components/KeyTemplateFields';
import type { Team } from '../../stores/organisation';
import type { CreatedInvite, InviteRequest } from '../../stores/sign-ins';

/** Seconds, as the API takes them; the gateway's own default is a week. */
const EXPIRY_OPTIONS = [
  { value: String(3600), label: '1 hour' },
  { value: String(86_400), label: '1 day' },
  { value: String(7 * 86_400), label: '7 days' },
  { value: String(30 * 86_400), label: '30 days' },
];
const DEFAULT_EXPIRY = String(7 * 86_400);

export interface InviteDialogProps {
  teams: readonly Team[];
  /** The settings' sign_in_key_template, which the key settings start from. */
  template: KeyFields;
  onClose: () => void;
  /** Resolves to the invite link; rejects with the gateway's message. */
  onInvite: (request: InviteRequest) => Promise<CreatedInvite>;
}

export function InviteDialog({ teams, template, onClose, onInvite }: InviteDialogProps) {
  const formId = useId();
  const linkId = useId();
  const [base] = useState(template);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [teamId, setTeamId] = useState('');
  const [expiresIn, setExpiresIn] = useState(DEFAULT_EXPIRY);
  const [keyDraft, setKeyDraft] = useState(() => draftFromKeyFields(base));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreatedInvite | null>(null);

  const teamOptions = useMemo(
    () => [{ value: '', label: 'No team' }, ...teams.map((team) => ({ value: team.id, label: team.name }))],
    [teams],
  );
  const others = useMemo(() => otherKeySettings(base), [base]);
  const who = name.trim() || 'your teammate';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitError(null);
    const { fields, errors: found } = keyFieldsFromDraft(base, keyDraft, { emptied: 'override' });
    const all: FieldErrors = { ...found };
    if (!name.trim() && email.trim()) all.name = 'Add their name too, or leave both empty for them to enter their own.';
    setErrors(all);
    if (Object.keys(all).length > 0) return;
    const request: InviteRequest = {
      ...(name.trim() && {
        user: { name: name.trim(), ...(email.trim() && { email: email.trim() }), ...(teamId && { team_id: teamId }) },
      }),
      ...(teamId && { team_id: teamId }),
      key: fields,
      expires_in: Number(expiresIn),
    };
    setBusy(true);
    try {
      setCreated(await onInvite(request));
    } catch (error) {
      setSubmitError(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return (
      <Dialog
        key="created"
        open
        title={name.trim() ? `Invite link for ${name.trim()}` : 'Invite link ready'}
        description="Send it to them the way you would send a password: whoever uses it first is signed in."
        onClose={onClose}
        size="lg"
        dismissible={false}
        footer={
          <Button variant="primary" onClick={onClose}>
            I have copied it
          </Button>
        }
      >
        <div className="stack">
          <div className="banner banner-warning" role="note">
            <div className="banner-text">
              <strong>Copy the link now. It will not be shown again.</strong>
              <span>It works for one sign-in, until {formatDateTime(created.expires_at)}.</span>
            </div>
          </div>
          <div className="field">
            <label className="field-label" htmlFor={linkId}>
              Invite link
            </label>
            <div className="row">
              <input
                id={linkId}
                className="input mono invite-link"
                readOnly
                value={created.invite_url}
                onFocus={(event) => event.currentTarget.select()}
              />
              <CopyButton text={created.invite_url} label="Copy the invite link" size="md" />
            </div>
          </div>
          <ol className="invite-steps">
            <li>Send the link to {who}.</li>
            <li>
              They run <span className="mono">/login</span> in Claude Code set up for this gateway; it shows a code.
            </li>
            <li>
              They open the link and enter that code: they are signed in at once, with the key settings you chose, and
              nobody needs to approve it here.
            </li>
          </ol>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog
      key="form"
      open
      title="Invite a teammate"
      description="An invite approves one Claude Code sign-in in advance, with the settings below."
      onClose={onClose}
      size="lg"
      dismissible={!busy}
      footer={
        <>
          <Button onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          <Button variant="primary" type="submit" form={formId} busy={busy}>
            Create invite link
          </Button>
        </>
      }
    >
      {submitError && <ErrorBanner title="The invite was not created" error={submitError} />}
      <form id={formId} className="key-form" onSubmit={(event) => void submit(event)} noValidate>
        <fieldset className="form-section">
          <legend>Teammate</legend>
          <p className="form-help">
            Optional. With a name, the invite makes that user; without one, the teammate enters their own name and email
            when they sign in.
          </p>
          <div className="form-grid">
            <TextInput
              label="Name"
              value={name}
              error={errors.name}
              placeholder="Entered by them"
              autoComplete="off"
              data-autofocus
              onChange={(event) => setName(event.target.value)}
            />
            <TextInput
              label="Email"
              type="email"
              value={email}
              placeholder="Entered by them"
              autoComplete="off"
              onChange={(event) => setEmail(event.target.value)}
            />
            <Select
              label="Team"
              hint="Their key's spend counts toward the team's budgets."
              value={teamId}
              options={teamOptions}
              onChange={(event) => setTeamId(event.target.value)}
            />
            <Select
              label="Invite works for"
              hint="Unused after that, the link stops working."
              value={expiresIn}
              options={EXPIRY_OPTIONS}
              onChange={(event) => setExpiresIn(event.target.value)}
            />
          </div>
        </fieldset>
        <fieldset className="form-section">
          <legend>Their key</legend>
          <p className="form-help">Filled in from the sign-in key template in Settings.</p>
          <KeyTemplateFields draft={keyDraft} errors={errors} onChange={setKeyDraft} others={others} />
        </fieldset>
      </form>
    </Dialog>
  );
}
