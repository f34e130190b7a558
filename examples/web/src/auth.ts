// The credentials of the signed-in user. The access token (a short-lived
// JWT) lives only in memory; the refresh token (opaque, single-use) is kept
// in sessionStorage so that a reload of the tab stays signed in. Every
// refresh rotates it: the server answers a new pair and revokes the whole
// family when a used refresh token is presented again, so refreshes are
// serialized here (one request at a time, shared by every caller).

export interface User {
  id: string;
  email: string;
  name?: string | null;
}

export interface AuthPayload {
  accessToken?: string | null;
  refreshToken?: string | null;
  expiresAt?: string | null;
  user?: User | null;
}

export const GRAPHQL_PATH = '/query';
const REFRESH_KEY = 'socrates.refreshToken';
const USER_KEY = 'socrates.user';

const REFRESH_MUTATION = `mutation Refresh($input: RefreshTokenInput!) {
  refreshToken(input: $input) {
    accessToken refreshToken expiresAt
    user { id email name }
    userErrors { code message }
  }
}`;

type Listener = () => void;

class Auth {
  private accessToken: string | null = null;
  private expiresAt = 0;
  private user: User | null = null;
  private inflight: Promise<boolean> | null = null;
  private listeners = new Set<Listener>();
  private version = 0;

  constructor() {
    const stored = sessionStorage.getItem(USER_KEY);
    if (stored && sessionStorage.getItem(REFRESH_KEY)) {
      try {
        this.user = JSON.parse(stored) as User;
      } catch {
        this.user = null;
      }
    }
  }

  /** Subscribes to sign-in, sign-out and refresh; returns the unsubscribe. */
  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  /** A number that changes whenever the credentials change. */
  snapshot = (): number => this.version;

  currentUser(): User | null {
    return this.user;
  }

  token(): string | null {
    return this.accessToken;
  }

  refreshToken(): string | null {
    return sessionStorage.getItem(REFRESH_KEY);
  }

  /** Keeps the tokens of a register, login or refreshToken answer. */
  signIn(p: AuthPayload): void {
    if (!p.accessToken || !p.refreshToken) throw new Error('the answer carries no tokens');
    this.accessToken = p.accessToken;
    this.expiresAt = p.expiresAt ? Date.parse(p.expiresAt) : Date.now() + 60_000;
    sessionStorage.setItem(REFRESH_KEY, p.refreshToken);
    if (p.user) {
      this.user = p.user;
      sessionStorage.setItem(USER_KEY, JSON.stringify(p.user));
    }
    this.changed();
  }

  signOut(): void {
    this.accessToken = null;
    this.expiresAt = 0;
    this.user = null;
    sessionStorage.removeItem(REFRESH_KEY);
    sessionStorage.removeItem(USER_KEY);
    this.changed();
  }

  /** Forgets the access token (the server refused it), keeping the refresh token. */
  expire(): void {
    this.accessToken = null;
    this.expiresAt = 0;
  }

  /**
   * Returns a usable access token, refreshing first when there is none or
   * it expires within five seconds; null when signed out.
   */
  async freshToken(): Promise<string | null> {
    if (this.accessToken && this.expiresAt - Date.now() > 5_000) return this.accessToken;
    if (!this.refreshToken()) return null;
    return (await this.refresh()) ? this.accessToken : null;
  }

  /**
   * Exchanges the refresh token for a new pair. Concurrent callers share
   * one request; false (and signed out) when the server refuses it.
   */
  refresh(): Promise<boolean> {
    if (!this.inflight) {
      this.inflight = this.doRefresh().finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  private async doRefresh(): Promise<boolean> {
    const refreshToken = this.refreshToken();
    if (!refreshToken) return false;
    let payload: (AuthPayload & { userErrors: { code: string }[] }) | undefined;
    try {
      const res = await fetch(GRAPHQL_PATH, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json, application/json' },
        body: JSON.stringify({ query: REFRESH_MUTATION, variables: { input: { refreshToken } } }),
      });
      const body = await res.json();
      payload = body?.data?.refreshToken;
    } catch {
      // A network failure: keep the refresh token for a later attempt.
      return false;
    }
    if (!payload || payload.userErrors.length > 0 || !payload.accessToken) {
      this.signOut();
      return false;
    }
    this.signIn(payload);
    return true;
  }

  private changed(): void {
    this.version++;
    for (const l of this.listeners) l();
  }
}

/** The app's one credential store. */
export const auth = new Auth();

/** fetch with the bearer token, refreshing and retrying once on 401. */
export async function authorizedFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const send = async () => {
    const token = await auth.freshToken();
    const headers = new Headers(init.headers);
    if (token) headers.set('Authorization', `Bearer ${token}`);
    return fetch(url, { ...init, headers });
  };
  let res = await send();
  if (res.status === 401 && auth.refreshToken()) {
    auth.expire();
    if (await auth.refresh()) res = await send();
  }
  return res;
}
