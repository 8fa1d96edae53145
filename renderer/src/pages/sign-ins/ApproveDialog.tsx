// The approval panel: who the sign-in is for (an existing user, by default the one with the email the
// teammate entered, or a new one made from what they entered), and the key it gets, prefilled from the
// settings' sign-in key template. The code is shown large so the admin can check it against theirs.
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { Button } from '../../components/Button';
import type { FieldErrors } from '../../components/budget-drafts';
import { Dialog } from '../../components/Dialog';
import { ErrorBanner, errorMessage } from '../../components/ErrorBanner';
import { Select, TextInput } from '../../components/Field';
import { useNow } from '../../components/hooks';
import {
  draftFromKeyFields,
  keyFieldsFromDraft,
  otherKeySettings,
  type KeyFields,
} from '../../components/key-template';
import { KeyTemplateFields } from '../../components/KeyTemplateFields';
import { SegmentedControl } from '../../components/SegmentedControl';
import type { Team, User } from '../../stores/organisation';
import { isExpired, signInLabel, type SignIn, type SignInApproval } from '../../stores/sign-ins';
import { formatTimeLeft, surfaceLabel, userWithEmail } from './format';

type Person = 'existing' | 'new';

const PERSON_OPTIONS: readonly { value: Person; label: string }[] = [
  { value: 'existing', label: 'An existing user' },
  { value: 'new', label: 'A new user' },
];

export interface ApproveDialogProps {
  signIn: SignIn;
  users: readonly User[];
  teams: readonly Team[];
  /** The settings' sign_in_key_template: what the key gets unless this approval says otherwise. */
  template: KeyFields;
  onClose: () => void;
  /** Rejects with the gateway's reason (the code expired, someone decided first). */
  onApprove: (approval: SignInApproval) => Promise<void>;
}

export function ApproveDialog({ signIn, users, teams, template, onClose, onApprove }: ApproveDialogProps) {
  const formId = useId();
  const now = useNow();
  const expired = isExpired(signIn, now);
  const who = signInLabel(signIn);
  // The template as it was when the panel opened: the fields below were filled from it.
  const [base] = useState(template);
  const matched = userWithEmail(users, signIn.email);
  const [person, setPerson] = useState<Person>(matched ? 'existing' : 'new');
  const [userId, setUserId] = useState(matched?.id ?? users[0]?.id ?? '');
  const [newUser, setNewUser] = useState({
    name: signIn.name ?? signIn.email ?? '',
    email: signIn.email ?? '',
    teamId: '',
  });
  const [keyDraft, setKeyDraft] = useState(() => draftFromKeyFields(base));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const chosen = useRef(false);

  // The users can arrive after the panel opened (from a link): default to the match then, unless the admin chose.
  useEffect(() => {
    if (chosen.current) return;
    const match = userWithEmail(users, signIn.email);
    setPerson(match ? 'existing' : 'new');
    setUserId(match?.id ?? users[0]?.id ?? '');
  }, [users, signIn.email]);

  const userOptions = useMemo(
    () =>
      [...users]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((user) => ({ value: user.id, label: user.email ? `${user.name} (${user.email})` : user.name })),
    [users],
  );
  const teamOptions = useMemo(
    () => [{ value: '', label: 'No team' }, ...teams.map((team) => ({ value: team.id, label: team.name }))],
    [teams],
  );
  const others = useMemo(() => otherKeySettings(base), [base]);

  const personName =
    person === 'existing' ? (users.find((user) => user.id === userId)?.name ?? '') : newUser.name.trim();

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    setSubmitError(null);
    const { fields, errors: found } = keyFieldsFromDraft(base, keyDraft, { emptied: 'override' });
    const all: FieldErrors = { ...found };
    if (person === 'existing' && !userId) all.userId = 'Choose who this sign-in is for.';
    if (person === 'new' && !newUser.name.trim()) all.name = 'Enter their name.';
    setErrors(all);
    if (Object.keys(all).length > 0) return;
    const email = newUser.email.trim();
    const approval: SignInApproval =
      person === 'existing'
        ? { user_id: userId, key: fields }
        : {
            user: {
              name: newUser.name.trim(),
              ...(email && { email }),
              ...(newUser.teamId && { team_id: newUser.teamId }),
            },
            key: fields,
          };
    setBusy(true);
    try {
      await onApprove(approval);
    } catch (error) {
      setSubmitError(errorMessage(error));
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      title={`Approve the sign-in of ${who}`}
      description="Check that the code matches the one their Claude Code shows, then choose who they are and what their key may do."
      onClose={onClose}
      size="lg"
      dismissible={!busy}
      footer={
        <>
          <Button onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          <Button variant="primary" type="submit" form={formId} busy={busy} disabled={expired}>
            Approve sign-in
          </Button>
        </>
      }
    >
      <div className="sign-in-facts">
        <div className="sign-in-facts-code">
          <span className="field-label">Code</span>
          <span className="sign-in-code sign-in-code-lg">{signIn.user_code}</span>
        </div>
        <dl>
          <dt>Name</dt>
          <dd>{signIn.name ?? <span className="muted">Not given</span>}</dd>
          <dt>Email</dt>
          <dd>{signIn.email ?? <span className="muted">Not given</span>}</dd>
          <dt>From</dt>
          <dd title={signIn.user_agent ?? undefined}>
            {surfaceLabel(signIn.surface)}
            {signIn.address && <span className="muted"> · {signIn.address}</span>}
          </dd>
          <dt>Code expires</dt>
          <dd className="num">{expired ? 'Expired' : `in ${formatTimeLeft(Date.parse(signIn.expires_at) - now)}`}</dd>
        </dl>
      </div>
      {expired && (
        <div className="banner banner-warning" role="alert">
          <div className="banner-text">
            <strong>This code has expired.</strong>
            <span>Ask {who} to run /login again; their new request appears in the list.</span>
          </div>
        </div>
      )}
      {submitError && <ErrorBanner title="The sign-in was not approved" error={submitError} />}

      <form id={formId} className="key-form" onSubmit={(event) => void submit(event)} noValidate>
        <fieldset className="form-section">
          <legend>Who is signing in</legend>
          {users.length > 0 && (
            <SegmentedControl
              label="Sign in as"
              value={person}
              options={PERSON_OPTIONS}
              onChange={(value) => {
                chosen.current = true;
                setPerson(value);
              }}
            />
          )}
          {person === 'existing' && users.length > 0 ? (
            <div className="form-grid">
              <Select
                label="User"
                hint={
                  matched
                    ? `${matched.name} has the email they entered.`
                    : signIn.email
                      ? `Nobody here has the email ${signIn.email} yet.`
                      : 'They entered no email.'
                }
                value={userId}
                options={userOptions}
                error={errors.userId}
                data-autofocus
                onChange={(event) => {
                  chosen.current = true;
                  setUserId(event.target.value);
                }}
              />
            </div>
          ) : (
            <div className="form-grid">
              <TextInput
                label="Name"
                value={newUser.name}
                error={errors.name}
                autoComplete="off"
                data-autofocus
                onChange={(event) => setNewUser({ ...newUser, name: event.target.value })}
              />
              <TextInput
                label="Email"
                type="email"
                value={newUser.email}
                autoComplete="off"
                onChange={(event) => setNewUser({ ...newUser, email: event.target.value })}
              />
              <Select
                label="Team"
                hint="Optional. Their key's spend counts toward the team's budgets."
                value={newUser.teamId}
                options={teamOptions}
                onChange={(event) => setNewUser({ ...newUser, teamId: event.target.value })}
              />
            </div>
          )}
        </fieldset>

        <fieldset className="form-section">
          <legend>Their key</legend>
          <p className="form-help">
            {personName ? (
              <>
                Named “{personName} · {surfaceLabel(signIn.surface)}”.{' '}
              </>
            ) : null}
            Filled in from the sign-in key template in Settings; changes here apply to this key only.
          </p>
          <KeyTemplateFields draft={keyDraft} errors={errors} onChange={setKeyDraft} others={others} />
        </fieldset>
      </form>
    </Dialog>
  );
}
