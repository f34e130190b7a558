import { useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { useEffect, useState, useSyncExternalStore, type FormEvent } from 'react';
import type { SocketState } from '../apollo';
import { ANSWER_QUESTION, ASK_NEXT_QUESTION, QUESTION_STREAM, SESSION } from '../operations';
import { Link } from '../router';
import type { Question, Spec, UserError } from '../types';
import { SpecTable } from './Project';

interface SessionData {
  node: {
    id: string;
    __typename: string;
    status?: string;
    mode?: string;
    project?: { id: string; name: string; maturity: number; openConflictCount: number };
    currentQuestion?: Question | null;
  } | null;
}

interface StreamEvent {
  questionStream: {
    kind: 'STARTED' | 'DELTA' | 'COMPLETED' | 'FAILED';
    delta?: string | null;
    message?: string | null;
    provider?: string | null;
    fallback: boolean;
    question?: Question | null;
  };
}

interface AnswerData {
  answerQuestion: {
    question?: Question | null;
    specifications: Spec[];
    conflicts: { id: string; type: string; severity: string; description: string }[];
    project?: { id: string; maturity: number; openConflictCount: number } | null;
    userErrors: UserError[];
  };
}

interface Stream {
  text: string;
  deltas: number;
  done: boolean;
  failed?: string;
  question?: Question;
  provider?: string;
}

/** Reveals text a word at a time, catching up with what has arrived. */
function useWordByWord(text: string, msPerWord = 45): string {
  const words = text.split(/(?<=\s)/);
  const [shown, setShown] = useState(0);
  useEffect(() => {
    if (text === '') setShown(0);
  }, [text]);
  useEffect(() => {
    if (shown >= words.length) return;
    const t = setTimeout(() => setShown((n) => n + 1), msPerWord);
    return () => clearTimeout(t);
  }, [shown, words.length, msPerWord]);
  return words.slice(0, shown).join('');
}

export function Session({ id, socket }: { id: string; socket: SocketState }) {
  const { data, error } = useQuery<SessionData>(SESSION, { variables: { id }, fetchPolicy: 'cache-and-network' });
  const connected = useSyncExternalStore(socket.subscribe, socket.snapshot);
  const [ready, setReady] = useState(false);
  const [stream, setStream] = useState<Stream | null>(null);
  const [answer, setAnswer] = useState('');
  const [result, setResult] = useState<AnswerData['answerQuestion'] | null>(null);
  const [problem, setProblem] = useState('');
  const [ask, asking] = useMutation<{ askNextQuestion: { question?: Question | null; userErrors: UserError[] } }>(ASK_NEXT_QUESTION);
  const [send, sending] = useMutation<AnswerData>(ANSWER_QUESTION);

  // The question arrives over the websocket while askNextQuestion runs.
  useSubscription<StreamEvent>(QUESTION_STREAM, {
    variables: { sessionId: id },
    onData: ({ data: d }) => {
      const e = d.data?.questionStream;
      if (!e) return;
      setStream((s) => {
        switch (e.kind) {
          case 'STARTED':
            return { text: '', deltas: 0, done: false, provider: e.provider ?? undefined };
          case 'DELTA':
            return { ...(s ?? { text: '', deltas: 0, done: false }), text: (s?.text ?? '') + (e.delta ?? ''), deltas: (s?.deltas ?? 0) + 1 };
          case 'COMPLETED':
            return { ...(s ?? { deltas: 0 }), text: e.question?.text ?? s?.text ?? '', done: true, question: e.question ?? undefined, provider: e.provider ?? s?.provider };
          case 'FAILED':
            return { ...(s ?? { text: '', deltas: 0 }), done: true, failed: e.message ?? 'the question could not be generated' };
        }
      });
    },
  });
  // The subscribe message follows connection_ack; give the server a
  // moment to register it before asking, so no event is missed.
  useEffect(() => {
    if (!connected) {
      setReady(false);
      return;
    }
    const t = setTimeout(() => setReady(true), 300);
    return () => clearTimeout(t);
  }, [connected]);

  const shown = useWordByWord(stream?.text ?? '');

  if (error) return <p className="errors" role="alert">{error.message}</p>;
  const session = data?.node;
  if (!session) return <p className="muted">Loading…</p>;

  const current: Question | undefined = stream?.question ?? (stream ? undefined : session.currentQuestion ?? undefined);
  const open = current && !current.answer && !result ? current : undefined;

  const askNext = async () => {
    setProblem('');
    setResult(null);
    setAnswer('');
    setStream({ text: '', deltas: 0, done: false });
    const res = await ask({ variables: { input: { sessionId: id } } });
    const p = res.data?.askNextQuestion;
    if (p?.userErrors.length) {
      setStream(null);
      setProblem(p.userErrors.map((u) => u.message).join(' '));
    } else if (p?.question) {
      const q = p.question;
      // Should the stream have been missed, the answer has the question.
      setStream((s) => (s?.done ? s : { text: q.text, deltas: s?.deltas ?? 0, done: true, question: q, provider: s?.provider }));
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!open) return;
    setProblem('');
    const res = await send({ variables: { input: { questionId: open.id, answer } } });
    const p = res.data?.answerQuestion;
    if (p?.userErrors.length) setProblem(p.userErrors.map((u) => u.message).join(' '));
    else if (p) setResult(p);
  };

  const streaming = stream && !(stream.done && shown === stream.text);
  return (
    <div className="page">
      <p className="crumbs">
        <Link to="/">Projects</Link> / {session.project && <Link to={`/projects/${session.project.id}`}>{session.project.name}</Link>} / session
      </p>
      <h1>
        Session <span className="badge">{session.status}</span>
      </h1>
      <p className="muted">
        websocket: <span data-testid="socket">{connected ? 'connected' : 'connecting…'}</span>
        {stream?.provider && <> · counselor: {stream.provider.toLowerCase()}</>}
      </p>

      <section className="card counselor">
        <h2>The counselor asks</h2>
        {stream ? (
          <p
            className={`question ${streaming ? 'streaming' : ''}`}
            data-testid="question"
            data-complete={stream.done && shown === stream.text ? 'true' : 'false'}
            data-deltas={stream.deltas}
          >
            {shown}
            {streaming && <span className="caret">▍</span>}
          </p>
        ) : current ? (
          <p className="question" data-testid="question" data-complete="true">
            {current.text}
          </p>
        ) : (
          <p className="muted">No question yet.</p>
        )}
        {stream?.failed && <p className="errors">{stream.failed}</p>}
        {current && <p className="muted">category: {current.category}</p>}
        <button onClick={askNext} disabled={!ready || asking.loading || Boolean(streaming) || Boolean(open)}>
          Ask next question
        </button>
      </section>

      {open && !streaming && (
        <form className="card" onSubmit={submit} aria-label="answer">
          <h2>Your answer</h2>
          <textarea name="answer" rows={3} required value={answer} onChange={(e) => setAnswer(e.target.value)} />
          <button type="submit" disabled={sending.loading || answer.trim() === ''}>
            Answer
          </button>
        </form>
      )}
      {problem && <p className="errors" role="alert">{problem}</p>}

      {result && (
        <section className="card" data-testid="answer-result">
          <h2>What your answer produced</h2>
          {result.specifications.length > 0 ? (
            <SpecTable specs={result.specifications} />
          ) : (
            <p className="muted">No specification was extracted from this answer.</p>
          )}
          {result.project && <p className="muted">Maturity is now {result.project.maturity}%.</p>}
          {result.conflicts.length > 0 && session.project && (
            <div className="conflict-note" role="status">
              <strong>
                {result.conflicts.length} conflict{result.conflicts.length === 1 ? '' : 's'} detected:
              </strong>{' '}
              {result.conflicts.map((c) => c.description).join(' ')}{' '}
              <Link to={`/projects/${session.project.id}/conflicts`}>Open the conflict inbox</Link>
            </div>
          )}
        </section>
      )}
    </div>
  );
}
