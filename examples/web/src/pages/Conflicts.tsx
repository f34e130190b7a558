import { useMutation, useQuery } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { CONFLICTS, RESOLVE_CONFLICT } from '../operations';
import { Link } from '../router';
import type { ConflictItem, UserError } from '../types';

interface ConflictsData {
  project: {
    id: string;
    name: string;
    openConflictCount: number;
    conflicts: { totalCount: number; nodes: ConflictItem[] };
  } | null;
}

const RESOLUTIONS = [
  { value: 'KEEP_OLD', label: 'Keep the old', help: 'rejects the new specification' },
  { value: 'REPLACE', label: 'Replace', help: 'the new one supersedes the old' },
  { value: 'MERGE', label: 'Merge', help: 'a new specification with the merged value supersedes both' },
  { value: 'IGNORE', label: 'Ignore', help: 'keeps both current' },
] as const;

function ConflictCard({ conflict, onResolved }: { conflict: ConflictItem; onResolved: (msg: string) => void }) {
  const [resolution, setResolution] = useState<string>('REPLACE');
  const [mergedValue, setMergedValue] = useState('');
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState('');
  const [resolve, { loading }] = useMutation<{ resolveConflict: { conflict?: { status: string; resolution?: string } | null; userErrors: UserError[] } }>(
    RESOLVE_CONFLICT,
    { refetchQueries: ['Conflicts', 'Project'] },
  );
  const needsMerge = resolution === 'MERGE';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setProblem('');
    const input: Record<string, unknown> = { conflictId: conflict.id, resolution, note: note || null };
    if (needsMerge) input.mergedValue = mergedValue;
    const res = await resolve({ variables: { input } });
    const p = res.data?.resolveConflict;
    if (p?.userErrors.length) setProblem(p.userErrors.map((u) => u.message).join(' '));
    else if (p?.conflict) onResolved(`Resolved with ${p.conflict.resolution ?? resolution}: ${conflict.description}`);
  };

  return (
    <li className="card conflict" data-conflict={conflict.id}>
      <p>
        <span className={`badge sev-${conflict.severity.toLowerCase()}`}>{conflict.severity}</span> <span className="badge">{conflict.type}</span>
      </p>
      <p className="conflict-description">{conflict.description}</p>
      <ul className="plain">
        {conflict.specifications.map((s) => (
          <li key={s.id}>
            <code>{s.key}</code> = <strong>{s.value}</strong> <span className="badge">{s.status}</span>
          </li>
        ))}
      </ul>
      <form onSubmit={submit} aria-label="resolve">
        <fieldset className="resolutions">
          {RESOLUTIONS.map((r) => (
            <label key={r.value} title={r.help}>
              <input type="radio" name={`resolution-${conflict.id}`} value={r.value} checked={resolution === r.value} onChange={() => setResolution(r.value)} />
              {r.label} <span className="muted">({r.help})</span>
            </label>
          ))}
        </fieldset>
        {needsMerge && (
          <label>
            Merged value
            <input name="mergedValue" required value={mergedValue} onChange={(e) => setMergedValue(e.target.value)} />
          </label>
        )}
        <label>
          Note (optional)
          <input name="note" value={note} onChange={(e) => setNote(e.target.value)} />
        </label>
        {problem && <p className="errors" role="alert">{problem}</p>}
        <button type="submit" disabled={loading || (needsMerge && mergedValue.trim() === '')}>
          Resolve
        </button>
      </form>
    </li>
  );
}

export function Conflicts({ projectId }: { projectId: string }) {
  const { data, loading, error } = useQuery<ConflictsData>(CONFLICTS, { variables: { id: projectId }, fetchPolicy: 'cache-and-network' });
  const [done, setDone] = useState<string[]>([]);
  if (error) return <p className="errors" role="alert">{error.message}</p>;
  const p = data?.project;
  if (!p) return <p className="muted">{loading ? 'Loading…' : 'No such project.'}</p>;
  return (
    <div className="page">
      <p className="crumbs">
        <Link to="/">Projects</Link> / <Link to={`/projects/${p.id}`}>{p.name}</Link> / conflicts
      </p>
      <h1>Conflict inbox</h1>
      {done.map((m) => (
        <p key={m} className="resolved" role="status">
          {m}
        </p>
      ))}
      {p.conflicts.nodes.length === 0 ? (
        <p className="muted" data-testid="no-conflicts">
          No open conflicts.
        </p>
      ) : (
        <ul className="plain">
          {p.conflicts.nodes.map((c) => (
            <ConflictCard key={c.id} conflict={c} onResolved={(m) => setDone((d) => [...d, m])} />
          ))}
        </ul>
      )}
    </div>
  );
}
