package loaders

import (
	"context"
	"encoding/json"
	"fmt"

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

// groupedPages runs one paged read per distinct (filter, page) among keys,
// each covering all the parents that share it.
func groupedPages[V any](ctx context.Context, keys []PageKey,
	read func(ctx context.Context, parents []int64, filter string, r page.Request) (map[int64][]V, error),
) []*dataloader.Result[[]V] {
	type group struct{ filter, page string }
	parents := map[group][]int64{}
	for _, k := range keys {
		g := group{k.Filter, k.Page}
		parents[g] = append(parents[g], k.Parent)
	}
	pages := map[group]map[int64][]V{}
	errs := map[group]error{}
	for g, ps := range parents {
		var r page.Request
		if err := json.Unmarshal([]byte(g.page), &r); err != nil {
			errs[g] = fmt.Errorf("decode page key: %w", err)
			continue
		}
		pages[g], errs[g] = read(pool(ctx), unique(ps), g.filter, r)
	}
	return results(keys, func(k PageKey) ([]V, error) {
		g := group{k.Filter, k.Page}
		return pages[g][k.Parent], errs[g]
	})
}

// groupedCounts runs one grouped count per distinct filter among keys.
func groupedCounts(ctx context.Context, keys []CountKey,
	read func(ctx context.Context, parents []int64, filter string) (map[int64]int, error),
) []*dataloader.Result[int] {
	parents := map[string][]int64{}
	for _, k := range keys {
		parents[k.Filter] = append(parents[k.Filter], k.Parent)
	}
	counts := map[string]map[int64]int{}
	errs := map[string]error{}
	for f, ps := range parents {
		counts[f], errs[f] = read(pool(ctx), unique(ps), f)
	}
	return results(keys, func(k CountKey) (int, error) {
		return counts[k.Filter][k.Parent], errs[k.Filter]
	})
}

// grouped adapts a read that returns children per parent into a batch
// function; a parent without children gets the zero value.
func grouped[V any](read func(context.Context, []int64) (map[int64]V, error)) dataloader.BatchFunc[int64, V] {
	return func(ctx context.Context, keys []int64) []*dataloader.Result[V] {
		m, err := read(pool(ctx), unique(keys))
		return results(keys, func(k int64) (V, error) { return m[k], err })
	}
}

// pagesWithoutFilter adapts a paged read that takes no filter.
func pagesWithoutFilter[V any](read func(context.Context, []int64, page.Request) (map[int64][]V, error)) dataloader.BatchFunc[PageKey, []V] {
	return func(ctx context.Context, keys []PageKey) []*dataloader.Result[[]V] {
		return groupedPages(ctx, keys, func(ctx context.Context, ids []int64, _ string, r page.Request) (map[int64][]V, error) {
			return read(ctx, ids, r)
		})
	}
}

// countsWithoutFilter adapts a count that takes no filter.
func countsWithoutFilter(read func(context.Context, []int64) (map[int64]int, error)) dataloader.BatchFunc[CountKey, int] {
	return func(ctx context.Context, keys []CountKey) []*dataloader.Result[int] {
		return groupedCounts(ctx, keys, func(ctx context.Context, ids []int64, _ string) (map[int64]int, error) {
			return read(ctx, ids)
		})
	}
}

// filteredPages adapts a paged read that takes a filter F, carried in the
// key as EncodeFilter's JSON.
func filteredPages[F, V any](read func(context.Context, []int64, F, page.Request) (map[int64][]V, error)) dataloader.BatchFunc[PageKey, []V] {
	return func(ctx context.Context, keys []PageKey) []*dataloader.Result[[]V] {
		return groupedPages(ctx, keys, func(ctx context.Context, ids []int64, filter string, r page.Request) (map[int64][]V, error) {
			return read(ctx, ids, decodeFilter[F](filter), r)
		})
	}
}

// filteredCounts adapts a count that takes a filter F.
func filteredCounts[F any](read func(context.Context, []int64, F) (map[int64]int, error)) dataloader.BatchFunc[CountKey, int] {
	return func(ctx context.Context, keys []CountKey) []*dataloader.Result[int] {
		return groupedCounts(ctx, keys, func(ctx context.Context, ids []int64, filter string) (map[int64]int, error) {
			return read(ctx, ids, decodeFilter[F](filter))
		})
	}
}

// EncodeFilter turns a filter into a batching key part.
func EncodeFilter(f any) string {
	b, err := json.Marshal(f)
	if err != nil {
		panic("loaders: encode filter: " + err.Error())
	}
	return string(b)
}

func decodeFilter[F any](s string) F {
	var f F
	_ = json.Unmarshal([]byte(s), &f)
	return f
}
