package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"socrates/internal/database"
	"socrates/internal/store"
	"socrates/internal/testenv"
	"socrates/migrations"
	"socrates/models"
)

// recorder keeps the text of every statement a database runs.
type recorder struct {
	mu    sync.Mutex
	texts []string
}

func (r *recorder) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (r *recorder) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.texts = append(r.texts, e.Query)
}

// since returns the statements run after the first n.
func (r *recorder) since(n int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.texts[n:]...)
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.texts)
}

// migrated opens a fresh, migrated database of the test's kind with rec
// observing its statements, and a project owned by a new user.
func migrated(t *testing.T, url string, rec *recorder) (*bun.DB, *models.Project) {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, url, database.Pool{MaxOpen: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r, err := migrations.NewRunner(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Up(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	u := &models.User{Email: "owner@example.com", PasswordHash: "x", CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(u).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	p := &models.Project{OwnerID: u.ID, Name: "p", NameKey: "p", Phase: models.ProjectPhaseDiscovery, Status: models.ProjectStatusActive,
		CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(p).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return db.WithQueryHook(rec), p
}

func maturityOf(t *testing.T, db *bun.DB, projectID int64) int {
	t.Helper()
	var m int
	if err := db.NewSelect().Table("projects").Column("maturity").Where("id = ?", projectID).Scan(context.Background(), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func callsOf(t *testing.T, db *bun.DB, projectID int64) int {
	t.Helper()
	n, err := db.NewSelect().Table("llm_calls").Where("project_id = ?", projectID).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func llmCall(p *models.Project) *models.LLMCall {
	return &models.LLMCall{UserID: &p.OwnerID, ProjectID: p.ID, Provider: models.LLMProviderIDBuiltin, Model: "m", Operation: "QUESTION",
		Succeeded: true, CreatedAt: time.Now().UTC()}
}

// TestWritesAtCommit shows what a write queued for the commit does on both
// databases: invisible to the transaction's reads, written by the commit,
// dropped by a rollback, replaced by a later write under the same key,
// failing the commit when it fails, run at once outside a transaction;
// on PostgreSQL all of a transaction's queued writes and calls are one
// statement.
func TestWritesAtCommit(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		rec := &recorder{}
		db, p := migrated(t, url, rec)
		st := store.New(db)

		// Queued, invisible inside, written by the commit; the later
		// maturity of the same project replaces the earlier one.
		before := rec.count()
		err := st.WithTx(ctx, func(ctx context.Context) error {
			p.Maturity = 40
			if err := st.SetMaturityAtCommit(ctx, p); err != nil {
				return err
			}
			p.Maturity = 55
			if err := st.SetMaturityAtCommit(ctx, p); err != nil {
				return err
			}
			if err := st.RecordLLMCallAtCommit(ctx, llmCall(p)); err != nil {
				return err
			}
			if err := st.CallAtCommit(ctx, "lower(?)", "A"); err != nil {
				return err
			}
			var inside int
			if err := st.DB(ctx).NewSelect().Table("projects").Column("maturity").Where("id = ?", p.ID).Scan(ctx, &inside); err != nil {
				return err
			}
			if inside != 0 {
				t.Errorf("the transaction read maturity %d before its commit, want the 0 it had", inside)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		texts := rec.since(before)
		if got := maturityOf(t, db, p.ID); got != 55 {
			t.Errorf("maturity after commit %d, want the last queued 55", got)
		}
		if got := callsOf(t, db, p.ID); got != 1 {
			t.Errorf("%d llm calls after commit, want 1", got)
		}
		// BEGIN, the read, the two queued writes and the call, COMMIT.
		want := 6
		if strings.HasPrefix(url, "postgres") {
			want = 4
			if last := texts[len(texts)-2]; !strings.HasPrefix(last, "WITH ") || !strings.Contains(last, "lower(") ||
				strings.Count(last, "UPDATE \"projects\"") != 1 {
				t.Errorf("PostgreSQL ran the queue as %q, want one WITH statement with one maturity update and the call", last)
			}
		}
		if len(texts) != want {
			t.Errorf("the transaction ran %d statements, want %d:\n%s", len(texts), want, strings.Join(texts, "\n"))
		}

		// A rollback drops what was queued.
		boom := errors.New("boom")
		err = st.WithTx(ctx, func(ctx context.Context) error {
			p.Maturity = 70
			if err := st.SetMaturityAtCommit(ctx, p); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("rollback: %v", err)
		}
		if got := maturityOf(t, db, p.ID); got != 55 {
			t.Errorf("maturity after a rollback %d, want 55", got)
		}

		// A queued write that fails fails the commit, and nothing of the
		// transaction stays.
		err = st.WithTx(ctx, func(ctx context.Context) error {
			if err := st.RecordLLMCallAtCommit(ctx, llmCall(p)); err != nil {
				return err
			}
			bad := llmCall(p)
			bad.ProjectID = p.ID + 1000 // no such project
			return st.RecordLLMCallAtCommit(ctx, bad)
		})
		if err == nil || !strings.Contains(err.Error(), "record llm call") {
			t.Errorf("a failing queued write: %v, want an error naming it", err)
		}
		if got := callsOf(t, db, p.ID); got != 1 {
			t.Errorf("%d llm calls after a failed commit, want still 1", got)
		}

		// Outside a transaction the write runs at once.
		p.Maturity = 80
		if err := st.SetMaturityAtCommit(ctx, p); err != nil {
			t.Fatal(err)
		}
		if got := maturityOf(t, db, p.ID); got != 80 {
			t.Errorf("maturity after a write outside a transaction %d, want 80", got)
		}
	})
}
