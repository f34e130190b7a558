package loaders

import (
	"context"

	"github.com/graph-gophers/dataloader/v7"

	"socrates/internal/page"
	"socrates/internal/store"
	"socrates/models"
)

// UserKey pairs a user with an object, for per-viewer batches.
type UserKey struct {
	UserID   int64
	ObjectID int64
}

func memberList(s *store.Store) list[NoFilter, *models.TeamMember] {
	return withoutFilter(store.MemberOrdering(),
		func(l *Loaders) *Loader[PageKey[NoFilter], []*models.TeamMember] { return l.MemberPage() },
		func(l *Loaders) *Loader[CountKey[NoFilter], int] { return l.MemberCount() },
		s.MemberPages, s.MemberCounts)
}

func teamProjectList(s *store.Store) list[NoFilter, *models.Project] {
	return withoutFilter(store.TeamProjectOrdering(),
		func(l *Loaders) *Loader[PageKey[NoFilter], []*models.Project] { return l.TeamProjects() },
		func(l *Loaders) *Loader[CountKey[NoFilter], int] { return l.TeamProjCount() },
		s.TeamProjectPages, s.TeamProjectCounts)
}

func tokenList(s *store.Store) list[NoFilter, *models.APIToken] {
	return withoutFilter(store.TokenOrdering(),
		func(l *Loaders) *Loader[PageKey[NoFilter], []*models.APIToken] { return l.TokenPage() },
		func(l *Loaders) *Loader[CountKey[NoFilter], int] { return l.TokenCount() },
		s.APITokenPages, s.APITokenCounts)
}

func activityList(s *store.Store) list[store.ActivityScope, *models.Activity] {
	return list[store.ActivityScope, *models.Activity]{
		ordering: store.ActivityOrdering(),
		pageOf: func(l *Loaders) *Loader[PageKey[store.ActivityScope], []*models.Activity] {
			return l.ActivityPage()
		},
		countOf: func(l *Loaders) *Loader[CountKey[store.ActivityScope], int] { return l.ActivityCount() },
		readPage: func(ctx context.Context, ids []int64, scope store.ActivityScope, r page.Request) (map[int64][]*models.Activity, error) {
			return s.ActivityPages(ctx, scope, ids, r)
		},
		readCount: func(ctx context.Context, ids []int64, scope store.ActivityScope) (map[int64]int, error) {
			return s.ActivityCounts(ctx, scope, ids)
		},
	}
}

// perUser adapts a read of many objects for one user into a batch function
// over (user, object) keys: one statement per distinct user.
func perUser[V any](read func(ctx context.Context, user int64, ids []int64) (map[int64]V, error)) dataloader.BatchFunc[UserKey, V] {
	return func(ctx context.Context, keys []UserKey) []*dataloader.Result[V] {
		byUser := map[int64][]int64{}
		for _, k := range keys {
			byUser[k.UserID] = append(byUser[k.UserID], k.ObjectID)
		}
		vals := map[int64]map[int64]V{}
		errs := map[int64]error{}
		for u, ids := range byUser {
			vals[u], errs[u] = read(pool(ctx), u, unique(ids))
		}
		return results(keys, func(k UserKey) (V, error) { return vals[k.UserID][k.ObjectID], errs[k.UserID] })
	}
}

// Grants returns what a user holds on a project through team shares:
// batched within an operation, and read inside the transaction of ctx
// when there is one (so a mutation never waits on a second connection).
func (r *Reader) Grants(ctx context.Context, userID, projectID int64) ([]store.Grant, error) {
	if store.HasTx(ctx) {
		m, err := r.store.Grants(ctx, userID, []int64{projectID})
		return m[projectID], err
	}
	if l := For(ctx); l != nil {
		return l.Grants().Load(ctx, UserKey{UserID: userID, ObjectID: projectID})()
	}
	m, err := r.store.Grants(pool(ctx), userID, []int64{projectID})
	return m[projectID], err
}

// Role returns a user's role in a team, "" when not a member; read inside
// the transaction of ctx when there is one.
func (r *Reader) Role(ctx context.Context, userID, teamID int64) (models.TeamRole, error) {
	if store.HasTx(ctx) {
		m, err := r.store.Roles(ctx, userID, []int64{teamID})
		return m[teamID], err
	}
	if l := For(ctx); l != nil {
		return l.Roles().Load(ctx, UserKey{UserID: userID, ObjectID: teamID})()
	}
	m, err := r.store.Roles(pool(ctx), userID, []int64{teamID})
	return m[teamID], err
}

// Team reads one team.
func (r *Reader) Team(ctx context.Context, id int64) (*models.Team, error) {
	return load(ctx, id, func(l *Loaders) *Loader[int64, *models.Team] { return l.Team() }, r.store.TeamsByIDs)
}

// APIToken reads one API token.
func (r *Reader) APIToken(ctx context.Context, id int64) (*models.APIToken, error) {
	return load(ctx, id, func(l *Loaders) *Loader[int64, *models.APIToken] { return l.APIToken() }, r.store.APITokensByIDs)
}

// Activity reads one activity record.
func (r *Reader) Activity(ctx context.Context, id int64) (*models.Activity, error) {
	return load(ctx, id, func(l *Loaders) *Loader[int64, *models.Activity] { return l.Activity() }, r.store.ActivitiesByIDs)
}

// Shares reads a project's shares.
func (r *Reader) Shares(ctx context.Context, projectID int64) ([]*models.ProjectShare, error) {
	return children(ctx, projectID, func(l *Loaders) *Loader[int64, []*models.ProjectShare] { return l.Shares() },
		r.store.SharesOfProjects)
}

// Members returns a page of a team's members.
func (r *Reader) Members(ctx context.Context, teamID int64, args page.Args) (*models.TeamMemberConnection, error) {
	return connection(ctx, r.members, teamID, NoFilter{}, args)
}

// TeamProjects returns a page of the projects shared with a team.
func (r *Reader) TeamProjects(ctx context.Context, teamID int64, args page.Args) (*models.ProjectConnection, error) {
	return connection(ctx, r.teamProjects, teamID, NoFilter{}, args)
}

// APITokens returns a page of a user's API tokens.
func (r *Reader) APITokens(ctx context.Context, userID int64, args page.Args) (*models.ApiTokenConnection, error) {
	return connection(ctx, r.tokens, userID, NoFilter{}, args)
}

// Activities returns a page of a team's, project's or actor's activity.
func (r *Reader) Activities(ctx context.Context, scope store.ActivityScope, id int64, args page.Args) (*models.ActivityConnection, error) {
	return connection(ctx, r.activities, id, scope, args)
}
