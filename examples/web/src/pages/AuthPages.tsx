import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { auth, type AuthPayload } from '../auth';
import { LOGIN, REGISTER } from '../operations';
import { Link, navigate } from '../router';
import type { UserError } from '../types';

type Payload = AuthPayload & { userErrors: UserError[] };

function AuthForm({ mode }: { mode: 'signUp' | 'signIn' }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<string[]>([]);
  const [register, reg] = useMutation<{ register: Payload }>(REGISTER);
  const [login, log] = useMutation<{ login: Payload }>(LOGIN);
  const busy = reg.loading || log.loading;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setErrors([]);
    try {
      const payload =
        mode === 'signUp'
          ? (await register({ variables: { input: { email, password, name: name || null } } })).data?.register
          : (await login({ variables: { input: { email, password } } })).data?.login;
      if (!payload) return;
      if (payload.userErrors.length > 0) {
        setErrors(payload.userErrors.map((u) => u.message));
        return;
      }
      auth.signIn(payload);
      navigate('/', true);
    } catch (err) {
      setErrors([(err as Error).message]);
    }
  };

  const signUp = mode === 'signUp';
  return (
    <div className="auth card">
      <h1>{signUp ? 'Create an account' : 'Sign in'}</h1>
      <form onSubmit={submit} aria-label={signUp ? 'sign up' : 'sign in'}>
        {signUp && (
          <label>
            Name
            <input name="name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" />
          </label>
        )}
        <label>
          Email
          <input name="email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="email" />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            required
            minLength={8}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete={signUp ? 'new-password' : 'current-password'}
          />
        </label>
        {errors.length > 0 && (
          <ul className="errors" role="alert">
            {errors.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        )}
        <button type="submit" disabled={busy}>
          {signUp ? 'Sign up' : 'Sign in'}
        </button>
      </form>
      <p className="muted">
        {signUp ? (
          <>
            Have an account? <Link to="/signin">Sign in</Link>
          </>
        ) : (
          <>
            New here? <Link to="/signup">Create an account</Link>
          </>
        )}
      </p>
    </div>
  );
}

export const SignUp = () => <AuthForm mode="signUp" />;
export const SignIn = () => <AuthForm mode="signIn" />;
