import { ApolloProvider, useMutation } from '@apollo/client/react';
import { StrictMode, useEffect, useState, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import { createApollo, type SocketState } from './apollo';
import { auth } from './auth';
import { LOGOUT } from './operations';
import { SignIn, SignUp } from './pages/AuthPages';
import { Conflicts } from './pages/Conflicts';
import { Project } from './pages/Project';
import { Projects } from './pages/Projects';
import { Session } from './pages/Session';
import { Link, navigate, useLocation } from './router';
import './styles.css';

function Header() {
  useSyncExternalStore(auth.subscribe, auth.snapshot);
  const user = auth.currentUser();
  const [logout] = useMutation(LOGOUT);
  const signOut = async () => {
    const refreshToken = auth.refreshToken();
    try {
      if (refreshToken) await logout({ variables: { input: { refreshToken } } });
    } finally {
      auth.signOut();
      navigate('/signin', true);
    }
  };
  return (
    <header>
      <Link to="/" className="brand">
        Socrates
      </Link>
      {user && (
        <span className="who">
          {user.name || user.email}{' '}
          <button className="link" onClick={signOut}>
            Sign out
          </button>
        </span>
      )}
    </header>
  );
}

function Routes({ socket }: { socket: SocketState }) {
  useSyncExternalStore(auth.subscribe, auth.snapshot);
  const { path, search } = useLocation();
  const signedIn = auth.currentUser() !== null;
  const publicPage = path === '/signin' || path === '/signup';
  useEffect(() => {
    if (!signedIn && !publicPage) navigate('/signin', true);
    if (signedIn && publicPage) navigate('/', true);
  }, [signedIn, publicPage]);
  if (!signedIn) return path === '/signup' ? <SignUp /> : <SignIn />;

  let m: RegExpMatchArray | null;
  if (path === '/') return <Projects pageSize={Number(search.get('first')) || 10} />;
  if ((m = path.match(/^\/projects\/([^/]+)\/conflicts$/))) return <Conflicts projectId={decodeURIComponent(m[1])} />;
  if ((m = path.match(/^\/projects\/([^/]+)$/))) return <Project id={decodeURIComponent(m[1])} />;
  if ((m = path.match(/^\/sessions\/([^/]+)$/))) return <Session id={decodeURIComponent(m[1])} socket={socket} />;
  return <p className="muted">Nothing here. <Link to="/">Projects</Link></p>;
}

function App() {
  const [{ client, socket }] = useState(createApollo);
  const [restoring, setRestoring] = useState(() => auth.currentUser() !== null);
  // After a reload only the refresh token is left: get an access token.
  useEffect(() => {
    if (restoring) void auth.freshToken().finally(() => setRestoring(false));
  }, [restoring]);
  return (
    <ApolloProvider client={client}>
      <Header />
      <main>{restoring ? <p className="muted">Signing in…</p> : <Routes socket={socket} />}</main>
    </ApolloProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
