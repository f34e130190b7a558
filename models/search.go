package models

import "context"

// SearchHit is an object a search found: a Specification, a Question or
// a Document.
type SearchHit interface {
	IsSearchHit()
}

// IsSearchHit marks Specification as a kind of search hit.
func (Specification) IsSearchHit() {}

// IsSearchHit marks Question as a kind of search hit.
func (Question) IsSearchHit() {}

// SearchResultEdge is one search hit with its cursor, its snippet and its
// rank.
type SearchResultEdge struct {
	Node    SearchHit
	Cursor  string
	Snippet string
	Rank    float64
}

// SearchResultConnection is one page of search hits, best first.
type SearchResultConnection struct {
	Edges    []*SearchResultEdge
	PageInfo *PageInfo
	Count    CountFunc
}

// Nodes returns the hits of the page.
func (c *SearchResultConnection) Nodes() []SearchHit {
	out := make([]SearchHit, len(c.Edges))
	for i, e := range c.Edges {
		out[i] = e.Node
	}
	return out
}

// TotalCount counts every hit of the search.
func (c *SearchResultConnection) TotalCount(ctx context.Context) (int, error) {
	if c.Count == nil {
		return len(c.Edges), nil
	}
	return c.Count(ctx)
}
