import { useMutation, useQuery } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { CREATE_PROJECT, PROJECTS } from '../operations';
import { Link, navigate } from '../router';
import type { ProjectSummary, UserError } from '../types';

interface ProjectsData {
  projects: {
    totalCount: number;
    edges: { cursor: string; node: ProjectSummary }[];
    pageInfo: { hasNextPage: boolean; endCursor?: string | null };
  };
}

export function Projects({ pageSize }: { pageSize: number }) {
  const { data, loading, error, fetchMore } = useQuery<ProjectsData>(PROJECTS, {
    variables: { first: pageSize },
    fetchPolicy: 'cache-and-network',
  });
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<string[]>([]);
  const [create, creating] = useMutation<{ createProject: { project?: { id: string } | null; userErrors: UserError[] } }>(
    CREATE_PROJECT,
    { refetchQueries: ['Projects'], awaitRefetchQueries: true },
  );
  const [loadingMore, setLoadingMore] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setErrors([]);
    const res = await create({ variables: { input: { name, description: description || null } } });
    const p = res.data?.createProject;
    if (p?.userErrors.length) setErrors(p.userErrors.map((u) => u.message));
    else {
      setName('');
      setDescription('');
    }
  };

  const conn = data?.projects;
  const more = async () => {
    setLoadingMore(true);
    try {
      await fetchMore({ variables: { after: conn?.pageInfo.endCursor } });
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <div className="page">
      <h1>Projects</h1>
      <form className="card create" onSubmit={submit} aria-label="new project">
        <h2>New project</h2>
        <input name="projectName" placeholder="Name" required value={name} onChange={(e) => setName(e.target.value)} />
        <input name="projectDescription" placeholder="Description (optional)" value={description} onChange={(e) => setDescription(e.target.value)} />
        <button type="submit" disabled={creating.loading}>
          Create project
        </button>
        {errors.length > 0 && <p className="errors" role="alert">{errors.join(' ')}</p>}
      </form>
      {error && <p className="errors" role="alert">{error.message}</p>}
      {loading && !conn && <p className="muted">Loading…</p>}
      {conn && (
        <>
          <p className="muted" data-testid="project-count">
            Showing {conn.edges.length} of {conn.totalCount} projects
          </p>
          <ul className="projects">
            {conn.edges.map(({ node }) => (
              <li key={node.id} className="card project-row" onClick={() => navigate(`/projects/${node.id}`)}>
                <Link to={`/projects/${node.id}`}>{node.name}</Link>
                <span className="badge">{node.phase}</span>
                <span className="maturity">maturity {node.maturity}%</span>
                {node.openConflictCount > 0 && <span className="badge warn">{node.openConflictCount} open conflicts</span>}
                {node.description && <p className="muted">{node.description}</p>}
              </li>
            ))}
          </ul>
          {conn.pageInfo.hasNextPage && (
            <button onClick={more} disabled={loadingMore}>
              Load more
            </button>
          )}
        </>
      )}
    </div>
  );
}
