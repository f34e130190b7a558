package loaders

import (
	"context"

	"github.com/graph-gophers/dataloader/v7"

	"socrates/internal/page"
)

func unique[K comparable](keys []K) []K {
	seen := make(map[K]struct{}, len(keys))
	out := make([]K, 0, len(keys))
	for _, k := range keys {
		if _, ok := seen[k]; !ok {
			seen[k] = struct{}{}
			out = append(out, k)
		}
	}
	return out
}

func results[K any, V any](keys []K, get func(K) (V, error)) []*dataloader.Result[V] {
	out := make([]*dataloader.Result[V], len(keys))
	for i, k := range keys {
		v, err := get(k)
		out[i] = &dataloader.Result[V]{Data: v, Error: err}
	}
	return out
}

// byID adapts a multi-row read into a batch function returning rows in key
// order.
func byID[V any](read func(context.Context, []int64) ([]V, error), idOf func(V) int64) dataloader.BatchFunc[int64, V] {
	return func(ctx context.Context, keys []int64) []*dataloader.Result[V] {
		rows, err := read(pool(ctx), unique(keys))
		found := make(map[int64]V, len(rows))
		for _, r := range rows {
			found[idOf(r)] = r
		}
		return results(keys, func(k int64) (V, error) {
			if err != nil {
				var zero V
				return zero, err
			}
			v, ok := found[k]
			if !ok {
				return v, &NotFoundError{Key: k}
			}
			return v, nil
		})
	}
}

// grouped adapts a read that returns children per parent into a batch
// function; a parent without children gets the zero value.
func grouped[V any](read func(context.Context, []int64) (map[int64]V, error)) dataloader.BatchFunc[int64, V] {
	return func(ctx context.Context, keys []int64) []*dataloader.Result[V] {
		m, err := read(pool(ctx), unique(keys))
		return results(keys, func(k int64) (V, error) { return m[k], err })
	}
}

// pages adapts a paged read into a batch function: one read per distinct
// (filter, page) among the keys, each covering all the parents that share
// it.
func pages[F comparable, V any](read func(ctx context.Context, parents []int64, f F, r page.Request) (map[int64][]V, error)) dataloader.BatchFunc[PageKey[F], []V] {
	return func(ctx context.Context, keys []PageKey[F]) []*dataloader.Result[[]V] {
		type group struct {
			filter F
			page   page.Request
		}
		var order []group
		parents := map[group][]int64{}
		for _, k := range keys {
			g := group{k.Filter, k.Page}
			if _, ok := parents[g]; !ok {
				order = append(order, g)
			}
			parents[g] = append(parents[g], k.Parent)
		}
		rows := make(map[group]map[int64][]V, len(order))
		errs := make(map[group]error, len(order))
		for _, g := range order {
			rows[g], errs[g] = read(pool(ctx), unique(parents[g]), g.filter, g.page)
		}
		return results(keys, func(k PageKey[F]) ([]V, error) {
			g := group{k.Filter, k.Page}
			return rows[g][k.Parent], errs[g]
		})
	}
}

// counts adapts a grouped count into a batch function: one count per
// distinct filter among the keys.
func counts[F comparable](read func(ctx context.Context, parents []int64, f F) (map[int64]int, error)) dataloader.BatchFunc[CountKey[F], int] {
	return func(ctx context.Context, keys []CountKey[F]) []*dataloader.Result[int] {
		var order []F
		parents := map[F][]int64{}
		for _, k := range keys {
			if _, ok := parents[k.Filter]; !ok {
				order = append(order, k.Filter)
			}
			parents[k.Filter] = append(parents[k.Filter], k.Parent)
		}
		n := make(map[F]map[int64]int, len(order))
		errs := make(map[F]error, len(order))
		for _, f := range order {
			n[f], errs[f] = read(pool(ctx), unique(parents[f]), f)
		}
		return results(keys, func(k CountKey[F]) (int, error) { return n[k.Filter][k.Parent], errs[k.Filter] })
	}
}
