// Package search answers Project.search: it reads the user's query into a
// safe query for each database engine, asks the store for a ranked page of
// hits with their snippets, and loads the objects the hits name through the
// operation's loaders, a fixed number of statements per page.
//
// A hit is a kind (store.SearchKind) and an id: a specification, a
// question or a document. A new kind of object adds a branch to the
// store's statements, a loader read below and a member to the SearchHit
// union; cursors, ranking and the connection stay as they are.
package search

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"socrates/internal/access"
	"socrates/internal/apperr"
	"socrates/internal/page"
	"socrates/internal/store"
	"socrates/models"
)

// Index finds hits in a project.
type Index interface {
	Search(ctx context.Context, projectID int64, q store.SearchQuery, after store.SearchAfter, limit int) ([]store.SearchHit, error)
	SearchCount(ctx context.Context, projectID int64, q store.SearchQuery) (int, error)
}

// Reader loads the objects hits name; reads started together share the
// operation's batches.
type Reader interface {
	SpecificationsByID(ctx context.Context, ids []int64) func() (map[int64]*models.Specification, error)
	QuestionsByID(ctx context.Context, ids []int64) func() (map[int64]*models.Question, error)
	DocumentsByID(ctx context.Context, ids []int64) func() (map[int64]*models.Document, error)
}

// Policy checks the viewer's permission on a project.
type Policy interface {
	Require(ctx context.Context, project *models.Project, need access.Permission) error
}

// Service searches projects for the viewer.
type Service struct {
	index  Index
	read   Reader
	policy Policy
}

// NewService returns a search service.
func NewService(index Index, read Reader, policy Policy) *Service {
	return &Service{index: index, read: read, policy: policy}
}

// Project returns a page of the hits of a query in a project the viewer
// may read: the search, the objects of the page (one batched read per
// kind) and, when asked for, the count.
func (s *Service) Project(ctx context.Context, p *models.Project, query string, args page.Args) (*models.SearchResultConnection, error) {
	if err := s.policy.Require(ctx, p, access.Read); err != nil {
		return nil, err
	}
	q, err := ParseQuery(query)
	if err != nil {
		return nil, err
	}
	order := q.Ordering()
	r, err := page.Parse(page.Args{First: args.First, After: args.After}, order)
	if err != nil {
		return nil, err
	}
	var after store.SearchAfter
	if r.HasAfter() {
		if after, err = decodeAfter(r.After); err != nil {
			return nil, err
		}
	}
	sq := q.Store()
	hits, err := s.index.Search(ctx, p.ID, sq, after, r.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	more := len(hits) > r.Limit
	if more {
		hits = hits[:r.Limit]
	}
	edges, err := s.edges(ctx, hits, order)
	if err != nil {
		return nil, err
	}
	info := &models.PageInfo{HasNextPage: more, HasPreviousPage: r.HasAfter()}
	if len(edges) > 0 {
		info.StartCursor, info.EndCursor = &edges[0].Cursor, &edges[len(edges)-1].Cursor
	}
	projectID := p.ID
	count := func(ctx context.Context) (int, error) {
		return s.index.SearchCount(store.WithoutTx(ctx), projectID, sq)
	}
	return &models.SearchResultConnection{Edges: edges, PageInfo: info, Count: count}, nil
}

// edges loads the objects of a page of hits and builds its edges, in the
// hits' order. A hit whose object is gone since the search is left out.
func (s *Service) edges(ctx context.Context, hits []store.SearchHit, order string) ([]*models.SearchResultEdge, error) {
	var specIDs, questionIDs, documentIDs []int64
	for _, h := range hits {
		switch h.Kind {
		case store.SearchSpecification:
			specIDs = append(specIDs, h.ID)
		case store.SearchQuestion:
			questionIDs = append(questionIDs, h.ID)
		case store.SearchDocument:
			documentIDs = append(documentIDs, h.ID)
		}
	}
	waitSpecs, waitQuestions := s.read.SpecificationsByID(ctx, specIDs), s.read.QuestionsByID(ctx, questionIDs)
	waitDocuments := s.read.DocumentsByID(ctx, documentIDs)
	specs, err := waitSpecs()
	if err != nil {
		return nil, fmt.Errorf("load specification hits: %w", err)
	}
	questions, err := waitQuestions()
	if err != nil {
		return nil, fmt.Errorf("load question hits: %w", err)
	}
	documents, err := waitDocuments()
	if err != nil {
		return nil, fmt.Errorf("load document hits: %w", err)
	}
	edges := make([]*models.SearchResultEdge, 0, len(hits))
	for _, h := range hits {
		var node models.SearchHit
		switch h.Kind {
		case store.SearchSpecification:
			if sp, ok := specs[h.ID]; ok {
				node = sp
			}
		case store.SearchQuestion:
			if q, ok := questions[h.ID]; ok {
				node = q
			}
		case store.SearchDocument:
			if d, ok := documents[h.ID]; ok {
				node = d
			}
		}
		if node == nil {
			continue
		}
		edges = append(edges, &models.SearchResultEdge{
			Node: node, Cursor: encodeAfter(order, h).Encode(), Snippet: Highlight(h.Snippet),
			Rank: float64(h.Score) / store.ScoreScale,
		})
	}
	return edges, nil
}

// encodeAfter is the cursor of a hit: its score and kind as the value, its
// id as the key.
func encodeAfter(order string, h store.SearchHit) page.Cursor {
	return page.Cursor{Order: order, Value: strconv.FormatInt(h.Score, 10) + ":" + string(h.Kind), ID: h.ID}
}

func decodeAfter(c page.Cursor) (store.SearchAfter, error) {
	score, kind, ok := strings.Cut(c.Value, ":")
	n, err := strconv.ParseInt(score, 10, 64)
	k := store.SearchKind(kind)
	if !ok || err != nil || n < 0 || (k != store.SearchSpecification && k != store.SearchQuestion && k != store.SearchDocument) {
		return store.SearchAfter{}, apperr.BadInputf("after is not a valid cursor")
	}
	return store.SearchAfter{Score: n, Kind: k, ID: c.ID}, nil
}
