package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"socrates/internal/store"
	"socrates/internal/testenv"
)

// TestReadsForUpdate shows what a …ForUpdate read does on both databases:
// outside a transaction it refuses and runs nothing; inside one it reads
// the row (ErrNotFound when there is none) with the id bound, so every id
// shares one statement text; on PostgreSQL the row stays locked until the
// transaction ends, so a second transaction cannot take it meanwhile.
func TestReadsForUpdate(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		rec := &recorder{}
		db, p := migrated(t, url, rec)
		st := store.New(db, rec)

		before := rec.count()
		if _, err := st.ProjectForUpdate(ctx, p.ID); err == nil || errors.Is(err, store.ErrNotFound) {
			t.Errorf("a read for update outside a transaction answered %v, want a refusal", err)
		}
		if ran := rec.since(before); len(ran) != 0 {
			t.Errorf("a refused read for update ran %q", ran)
		}

		before = rec.count()
		err := st.WithTx(ctx, func(ctx context.Context) error {
			got, err := st.ProjectForUpdate(ctx, p.ID)
			if err != nil {
				return err
			}
			if got.ID != p.ID || got.Name != p.Name {
				t.Errorf("read project %d %q, want %d %q", got.ID, got.Name, p.ID, p.Name)
			}
			if _, err := st.ProjectForUpdate(ctx, p.ID+1000); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a missing project read for update: %v, want ErrNotFound", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var reads []string
		for _, text := range rec.since(before) {
			if strings.HasPrefix(text, "SELECT") {
				reads = append(reads, text)
			}
		}
		if len(reads) != 2 || reads[0] != reads[1] {
			t.Fatalf("two reads for update of different ids sent %q, want one text twice", reads)
		}
		pg := strings.HasPrefix(url, "postgres")
		if locks := strings.Contains(reads[0], "FOR UPDATE"); locks != pg {
			t.Errorf("read for update (PostgreSQL %v): %q", pg, reads[0])
		}
		if !pg {
			return // SQLite transactions here are BEGIN IMMEDIATE: one writer at a time.
		}

		// The first transaction holds the lock; the second, with a lock
		// timeout, is refused by it rather than reading the row.
		err = st.WithTx(ctx, func(ctx context.Context) error {
			if _, err := st.ProjectForUpdate(ctx, p.ID); err != nil {
				return err
			}
			other := st.WithTx(context.Background(), func(ctx context.Context) error {
				if _, err := st.DB(ctx).ExecContext(ctx, "SET LOCAL lock_timeout = '20ms'"); err != nil {
					return err
				}
				_, err := st.ProjectForUpdate(ctx, p.ID)
				return err
			})
			if other == nil || !strings.Contains(other.Error(), "lock timeout") {
				t.Errorf("a second transaction read a locked project for update: %v, want a lock timeout", other)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
