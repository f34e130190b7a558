package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"socrates/models"
)

// SearchKind is the kind of object a search hit is. Kinds order hits of
// equal score, alphabetically.
type SearchKind string

// The kinds of objects a search finds. A new kind adds a constant here
// and one branch to each engine's statements.
const (
	SearchDocument      SearchKind = "DOCUMENT"
	SearchQuestion      SearchKind = "QUESTION"
	SearchSpecification SearchKind = "SPECIFICATION"
)

// Snippet markers: the engines wrap each matched term of a snippet between
// SnippetStart and SnippetEnd, two private-use characters the caller turns
// into its own markup.
const (
	SnippetStart = "\uE000"
	SnippetEnd   = "\uE001"
)

// ScoreScale turns a rank in [0, 1) into the integer score hits are
// ordered and paged by, so that a cursor compares exactly on both engines.
const ScoreScale = 1e12

// SearchQuery is one sanitized full-text query, written for each engine.
type SearchQuery struct {
	// Postgres is the query for websearch_to_tsquery('english', …).
	Postgres string
	// SQLite is an FTS5 MATCH expression whose every term is a quoted string.
	SQLite string
}

// SearchHit is one object a search matched.
type SearchHit struct {
	Kind SearchKind `bun:"kind"`
	ID   int64      `bun:"id"`
	// Score orders hits, highest first: the rank times ScoreScale.
	Score int64 `bun:"score"`
	// Snippet is the matching text with the matched terms between
	// SnippetStart and SnippetEnd; the rest is the stored text as is.
	Snippet string `bun:"snippet"`
}

// SearchAfter is the hit a page starts after; a zero ID starts at the top.
type SearchAfter struct {
	Score int64
	Kind  SearchKind
	ID    int64
}

// searchEngine writes the search statements of one dialect.
type searchEngine interface {
	// page returns a statement reading up to limit hits after a position,
	// with their snippets, best first.
	page(projectID int64, q SearchQuery, after SearchAfter, limit int) (string, []any)
	// count returns a statement counting every hit, as column n.
	count(projectID int64, q SearchQuery) (string, []any)
}

// searchable are the specification statuses a search looks at: what the
// project holds now and what waits on a conflict; superseded and rejected
// specifications are history.
var searchable = []models.SpecStatus{models.SpecStatusCurrent, models.SpecStatusPending}

// Search reads a page of the hits of q among a project's CURRENT and
// PENDING specifications (key, value and content), its questions (text
// and answer) and its documents (filename and text), ordered by score,
// then kind, then id, in one statement.
func (s *Store) Search(ctx context.Context, projectID int64, q SearchQuery, after SearchAfter, limit int) ([]SearchHit, error) {
	query, args := s.engine().page(projectID, q, after, limit)
	var hits []SearchHit
	if err := s.DB(ctx).NewRaw(query, args...).Scan(ctx, &hits); err != nil {
		return nil, fmt.Errorf("search project %d: %w", projectID, err)
	}
	return hits, nil
}

// SearchCount counts every hit of q in a project, in one statement.
func (s *Store) SearchCount(ctx context.Context, projectID int64, q SearchQuery) (int, error) {
	query, args := s.engine().count(projectID, q)
	var n int
	if err := s.DB(ctx).NewRaw(query, args...).Scan(ctx, &n); err != nil {
		return 0, fmt.Errorf("count search hits of project %d: %w", projectID, err)
	}
	return n, nil
}

func (s *Store) engine() searchEngine {
	if s.pg {
		return pgSearch{}
	}
	return sqliteSearch{}
}

// afterSQL bounds a page to the hits past a position, in the order
// score DESC, kind, id; the arguments are the position's score, kind
// and id, at indexes from first.
func afterSQL(first int) string {
	return fmt.Sprintf(`(h.score < ?%[1]d OR (h.score = ?%[1]d AND (h.kind > ?%[2]d OR (h.kind = ?%[2]d AND h.id > ?%[3]d))))`,
		first, first+1, first+2)
}

// pgSearch searches the generated tsvector columns: websearch_to_tsquery
// reads the query, ts_rank_cd ranks (normalized to rank/(rank+1)) and
// ts_headline writes the snippets of the page's hits only.
type pgSearch struct{}

// pgHeadline are ts_headline's options: up to two fragments of the text
// around the matches.
const pgHeadline = `StartSel=` + SnippetStart + `, StopSel=` + SnippetEnd +
	`, MaxFragments=2, MaxWords=18, MinWords=6, FragmentDelimiter=" … "`

// pgHits selects every hit with its score; ?0 is the query, ?1 the
// project, ?2 the specification statuses.
const pgHits = `
	SELECT 'SPECIFICATION' AS kind, sp.id,
	       CAST(round(ts_rank_cd(sp.search_vector, websearch_to_tsquery('english', ?0), 32) * 1e12) AS BIGINT) AS score
	FROM specifications AS sp
	WHERE sp.project_id = ?1 AND sp.status IN (?2) AND sp.search_vector @@ websearch_to_tsquery('english', ?0)
	UNION ALL
	SELECT 'QUESTION', q.id,
	       CAST(round(ts_rank_cd(q.search_vector, websearch_to_tsquery('english', ?0), 32) * 1e12) AS BIGINT)
	FROM questions AS q
	WHERE q.project_id = ?1 AND q.search_vector @@ websearch_to_tsquery('english', ?0)
	UNION ALL
	SELECT 'DOCUMENT', d.id,
	       CAST(round(ts_rank_cd(d.search_vector, websearch_to_tsquery('english', ?0), 32) * 1e12) AS BIGINT)
	FROM documents AS d
	WHERE d.project_id = ?1 AND d.search_vector @@ websearch_to_tsquery('english', ?0)`

func (pgSearch) page(projectID int64, q SearchQuery, after SearchAfter, limit int) (string, []any) {
	where := "TRUE"
	if after.ID != 0 {
		where = afterSQL(5)
	}
	query := `WITH h AS (` + pgHits + `),
	page AS (SELECT h.kind, h.id, h.score FROM h WHERE ` + where + ` ORDER BY h.score DESC, h.kind, h.id LIMIT ?3)
	SELECT page.kind, page.id, page.score,
	       ts_headline('english',
	           CASE WHEN page.kind = 'SPECIFICATION' THEN
	               CASE WHEN to_tsvector('english', sp.content) @@ websearch_to_tsquery('english', ?0) THEN sp.content
	                    ELSE replace(sp.key, '_', ' ') || ': ' || sp.value END
	           WHEN page.kind = 'DOCUMENT' THEN d.filename || ' — ' || d.text
	           ELSE q.text || coalesce(' — ' || q.answer, '') END,
	           websearch_to_tsquery('english', ?0), ?4) AS snippet
	FROM page
	LEFT JOIN specifications AS sp ON page.kind = 'SPECIFICATION' AND sp.id = page.id
	LEFT JOIN questions AS q ON page.kind = 'QUESTION' AND q.id = page.id
	LEFT JOIN documents AS d ON page.kind = 'DOCUMENT' AND d.id = page.id
	ORDER BY page.score DESC, page.kind, page.id`
	return query, []any{q.Postgres, projectID, bun.List(searchable), limit, pgHeadline, after.Score, string(after.Kind), after.ID}
}

func (pgSearch) count(projectID int64, q SearchQuery) (string, []any) {
	return `SELECT count(*) AS n FROM (` + pgHits + `) AS h`, []any{q.Postgres, projectID, bun.List(searchable)}
}

// sqliteSearch searches the FTS5 tables: MATCH finds, bm25 ranks (its
// score x normalized to x/(x+1), with key and question text weighing
// most) and snippet writes the snippets of the page's hits only.
type sqliteSearch struct{}

// sqliteHits selects every hit with its score; ?0 is the query, ?1 the
// project, ?2 the specification statuses.
const sqliteHits = `
	SELECT kind, id, CAST(round(rank / (1.0 + rank) * 1e12) AS INTEGER) AS score FROM (
		SELECT 'SPECIFICATION' AS kind, sp.id AS id, -bm25(specifications_fts, 4.0, 2.0, 1.0) AS rank
		FROM specifications_fts JOIN specifications AS sp ON sp.id = specifications_fts.rowid
		WHERE specifications_fts MATCH ?0 AND sp.project_id = ?1 AND sp.status IN (?2)
		UNION ALL
		SELECT 'QUESTION', q.id, -bm25(questions_fts, 4.0, 2.0)
		FROM questions_fts JOIN questions AS q ON q.id = questions_fts.rowid
		WHERE questions_fts MATCH ?0 AND q.project_id = ?1
		UNION ALL
		SELECT 'DOCUMENT', d.id, -bm25(documents_fts, 4.0, 1.0)
		FROM documents_fts JOIN documents AS d ON d.id = documents_fts.rowid
		WHERE documents_fts MATCH ?0 AND d.project_id = ?1
	)`

func (sqliteSearch) page(projectID int64, q SearchQuery, after SearchAfter, limit int) (string, []any) {
	where := "1"
	if after.ID != 0 {
		where = afterSQL(6)
	}
	query := `WITH h AS (` + sqliteHits + `),
	page AS (SELECT h.kind, h.id, h.score FROM h WHERE ` + where + ` ORDER BY h.score DESC, h.kind, h.id LIMIT ?3)
	SELECT page.kind, page.id, page.score,
	       CASE page.kind
	       WHEN 'SPECIFICATION' THEN (SELECT snippet(specifications_fts, -1, ?4, ?5, '…', 24) FROM specifications_fts
	                                  WHERE specifications_fts MATCH ?0 AND specifications_fts.rowid = page.id)
	       WHEN 'DOCUMENT' THEN (SELECT snippet(documents_fts, -1, ?4, ?5, '…', 24) FROM documents_fts
	                             WHERE documents_fts MATCH ?0 AND documents_fts.rowid = page.id)
	       ELSE (SELECT snippet(questions_fts, -1, ?4, ?5, '…', 24) FROM questions_fts
	             WHERE questions_fts MATCH ?0 AND questions_fts.rowid = page.id)
	       END AS snippet
	FROM page
	ORDER BY page.score DESC, page.kind, page.id`
	return query, []any{q.SQLite, projectID, bun.List(searchable), limit, SnippetStart, SnippetEnd, after.Score, string(after.Kind), after.ID}
}

func (sqliteSearch) count(projectID int64, q SearchQuery) (string, []any) {
	return `SELECT count(*) AS n FROM (` + sqliteHits + `) AS h`, []any{q.SQLite, projectID, bun.List(searchable)}
}
