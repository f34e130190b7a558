import { useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { authorizedFetch } from '../auth';
import { PROJECT, START_SESSION } from '../operations';
import { Link, navigate } from '../router';
import type { Coverage, Spec, UserError } from '../types';

interface ProjectData {
  project: {
    id: string;
    name: string;
    description?: string | null;
    phase: string;
    status: string;
    maturity: number;
    openConflictCount: number;
    viewerPermission: string;
    categoryCoverage: Coverage[];
    sessions: { totalCount: number; nodes: { id: string; status: string; mode: string; startedAt: string }[] };
    specifications: { totalCount: number; nodes: Spec[] };
  } | null;
}

/** The ten categories' coverage (CategoryCoverage.coverage, 0 to 1) as bars. */
export function CoverageBars({ coverage }: { coverage: Coverage[] }) {
  return (
    <div className="bars" role="list" aria-label="category coverage">
      {coverage.map((c) => (
        <div className="bar-row" role="listitem" key={c.category} data-category={c.category} data-coverage={c.coverage}>
          <span className="bar-label">{c.category.replace(/_/g, ' ').toLowerCase()}</span>
          <span className="bar">
            <span className="bar-fill" style={{ width: `${Math.round(c.coverage * 100)}%` }} />
          </span>
          <span className="bar-value">
            {Math.round(c.coverage * 100)}% · {c.specCount} spec{c.specCount === 1 ? '' : 's'}
          </span>
        </div>
      ))}
    </div>
  );
}

/** Downloads GET /projects/{id}/export.md with the bearer token and saves it as a file. */
async function downloadExport(id: string, name: string): Promise<void> {
  const res = await authorizedFetch(`/projects/${encodeURIComponent(id)}/export.md`);
  if (!res.ok) throw new Error(`the export failed: HTTP ${res.status}`);
  const disposition = res.headers.get('Content-Disposition') ?? '';
  const match = /filename="?([^";]+)"?/.exec(disposition);
  const filename = match?.[1] ?? `${name.replace(/[^\w.-]+/g, '-').toLowerCase()}.md`;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function Project({ id }: { id: string }) {
  const { data, loading, error } = useQuery<ProjectData>(PROJECT, { variables: { id }, fetchPolicy: 'cache-and-network' });
  const [start, starting] = useMutation<{ startSession: { session?: { id: string } | null; userErrors: UserError[] } }>(START_SESSION);
  const [problem, setProblem] = useState('');
  const [downloading, setDownloading] = useState(false);

  if (error) return <p className="errors" role="alert">{error.message}</p>;
  const p = data?.project;
  if (!p) return <p className="muted">{loading ? 'Loading…' : 'No such project.'}</p>;

  const startSession = async () => {
    setProblem('');
    const res = await start({ variables: { input: { projectId: p.id } } });
    const s = res.data?.startSession;
    if (s?.session) navigate(`/sessions/${s.session.id}`);
    else setProblem(s?.userErrors.map((u) => u.message).join(' ') ?? 'could not start a session');
  };
  const download = async () => {
    setProblem('');
    setDownloading(true);
    try {
      await downloadExport(p.id, p.name);
    } catch (err) {
      setProblem((err as Error).message);
    } finally {
      setDownloading(false);
    }
  };

  return (
    <div className="page">
      <p className="crumbs">
        <Link to="/">Projects</Link> / {p.name}
      </p>
      <h1>{p.name}</h1>
      {p.description && <p className="muted">{p.description}</p>}
      <div className="stats">
        <div className="stat">
          <span className="stat-value" data-testid="maturity">
            {p.maturity}%
          </span>
          <span className="stat-label">maturity</span>
        </div>
        <div className="stat">
          <span className="stat-value">{p.phase}</span>
          <span className="stat-label">phase</span>
        </div>
        <div className="stat">
          <span className="stat-value">{p.specifications.totalCount}</span>
          <span className="stat-label">specifications</span>
        </div>
        <div className="stat">
          <span className="stat-value" data-testid="open-conflicts">
            {p.openConflictCount}
          </span>
          <span className="stat-label">open conflicts</span>
        </div>
      </div>
      <div className="actions">
        <button onClick={startSession} disabled={starting.loading}>
          Start a session
        </button>
        <Link to={`/projects/${p.id}/conflicts`} className="button secondary">
          Conflict inbox ({p.openConflictCount})
        </Link>
        <button className="secondary" onClick={download} disabled={downloading}>
          Download export (Markdown)
        </button>
      </div>
      {problem && <p className="errors" role="alert">{problem}</p>}
      <section className="card">
        <h2>Coverage of the ten categories</h2>
        <CoverageBars coverage={p.categoryCoverage} />
      </section>
      {p.sessions.nodes.length > 0 && (
        <section className="card">
          <h2>Sessions</h2>
          <ul className="plain">
            {p.sessions.nodes.map((s) => (
              <li key={s.id}>
                <Link to={`/sessions/${s.id}`}>
                  {s.mode.toLowerCase()} session, {new Date(s.startedAt).toLocaleString()}
                </Link>{' '}
                <span className="badge">{s.status}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
      {p.specifications.nodes.length > 0 && (
        <section className="card">
          <h2>Current specifications</h2>
          <SpecTable specs={p.specifications.nodes} />
        </section>
      )}
    </div>
  );
}

export function SpecTable({ specs }: { specs: Spec[] }) {
  return (
    <table className="specs">
      <thead>
        <tr>
          <th>category</th>
          <th>key</th>
          <th>value</th>
          <th>status</th>
          <th>confidence</th>
        </tr>
      </thead>
      <tbody>
        {specs.map((s) => (
          <tr key={s.id}>
            <td>{s.category}</td>
            <td>{s.key}</td>
            <td>{s.value}</td>
            <td>
              <span className={`badge ${s.status === 'PENDING' ? 'warn' : ''}`}>{s.status}</span>
            </td>
            <td>{s.confidence?.toFixed(2)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
