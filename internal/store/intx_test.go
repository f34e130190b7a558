package store_test

import (
	"context"
	"errors"
	"testing"

	"socrates/internal/store"
	"socrates/internal/testenv"
	"socrates/models"
)

// setMaturity writes a project's maturity through the transaction of ctx
// (or the pool) and reads it back inside it.
func setMaturity(ctx context.Context, st *store.Store, p *models.Project, m int) (*models.Project, error) {
	if _, err := st.DB(ctx).NewUpdate().Table("projects").Set("maturity = ?", m).Where("id = ?", p.ID).Exec(ctx); err != nil {
		return nil, err
	}
	out := &models.Project{}
	if err := st.DB(ctx).NewSelect().Model(out).Where("id = ?", p.ID).Scan(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// TestInTx shows on both databases that InTx returns the function's value
// when the transaction commits, and the zero value with the error when it
// rolls back (from the function or from a BeforeCommit function), the
// function's write undone; and that it joins a transaction ctx carries.
func TestInTx(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db, p := migrated(t, url, &recorder{})
		st := store.New(db)
		if store.HasTx(ctx) {
			t.Fatal("HasTx outside a transaction")
		}

		got, err := store.InTx(ctx, st, func(ctx context.Context) (*models.Project, error) {
			if !store.HasTx(ctx) {
				t.Error("the function runs outside a transaction")
			}
			return setMaturity(ctx, st, p, 30)
		})
		if err != nil {
			t.Fatal(err)
		}
		if got == nil || got.ID != p.ID || got.Maturity != 30 {
			t.Fatalf("committed: got %+v, want project %d at maturity 30", got, p.ID)
		}
		if m := maturityOf(t, db, p.ID); m != 30 {
			t.Fatalf("maturity %d after the commit, want 30", m)
		}

		refused := errors.New("refused")
		got, err = store.InTx(ctx, st, func(ctx context.Context) (*models.Project, error) {
			if _, err := setMaturity(ctx, st, p, 60); err != nil {
				return nil, err
			}
			return &models.Project{ID: p.ID}, refused
		})
		if !errors.Is(err, refused) || got != nil {
			t.Fatalf("rolled back by the function: got %+v, %v; want nil and the error", got, err)
		}
		if m := maturityOf(t, db, p.ID); m != 30 {
			t.Fatalf("maturity %d after the function failed, want the 30 it had", m)
		}

		n, err := store.InTx(ctx, st, func(ctx context.Context) (int, error) {
			if _, err := setMaturity(ctx, st, p, 70); err != nil {
				return 0, err
			}
			if err := store.BeforeCommit(ctx, func(context.Context) error { return refused }); err != nil {
				return 0, err
			}
			return 70, nil
		})
		if !errors.Is(err, refused) || n != 0 {
			t.Fatalf("rolled back before the commit: got %d, %v; want 0 and the error", n, err)
		}
		if m := maturityOf(t, db, p.ID); m != 30 {
			t.Fatalf("maturity %d after a BeforeCommit failed, want the 30 it had", m)
		}

		// Inside a transaction it joins it: the outer rollback undoes
		// what the inner function wrote and returned.
		err = st.WithTx(ctx, func(ctx context.Context) error {
			got, err := store.InTx(ctx, st, func(ctx context.Context) (*models.Project, error) {
				return setMaturity(ctx, st, p, 90)
			})
			if err != nil {
				return err
			}
			if got.Maturity != 90 {
				t.Errorf("joined: got maturity %d, want 90", got.Maturity)
			}
			return refused
		})
		if !errors.Is(err, refused) {
			t.Fatalf("the outer transaction: %v, want the error", err)
		}
		if m := maturityOf(t, db, p.ID); m != 30 {
			t.Fatalf("maturity %d after the outer transaction rolled back, want the 30 it had", m)
		}
	})
}
