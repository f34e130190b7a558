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
