package store

import "github.com/uptrace/bun"

// In expands a slice into an SQL IN list. An empty slice yields NULL, which
// matches nothing, so callers need not special-case it.
func In[T any](values []T) any {
	if len(values) == 0 {
		return bun.Safe("NULL")
	}
	return bun.List(values)
}
