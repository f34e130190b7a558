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

// TeamLoaders batch the reads of teams, shares, tokens and activity.
type TeamLoaders struct {
	Grants        *dataloader.Loader[UserKey, []store.Grant]
	Roles         *dataloader.Loader[UserKey, models.TeamRole]
	Team          *dataloader.Loader[int64, *models.Team]
	APIToken      *dataloader.Loader[int64, *models.APIToken]
	Activity      *dataloader.Loader[int64, *models.Activity]
	Shares        *dataloader.Loader[int64, []*models.ProjectShare]
	MemberPage    *dataloader.Loader[PageKey, []*models.TeamMember]
	MemberCount   *dataloader.Loader[CountKey, int]
	TeamProjects  *dataloader.Loader[PageKey, []*models.Project]
	TeamProjCount *dataloader.Loader[CountKey, int]
	TokenPage     *dataloader.Loader[PageKey, []*models.APIToken]
	TokenCount    *dataloader.Loader[CountKey, int]
	ActivityPage  *dataloader.Loader[PageKey, []*models.Activity]
	ActivityCount *dataloader.Loader[CountKey, int]
}

func (f *Factory) teamLoaders() TeamLoaders {
	return TeamLoaders{
		Grants: newLoader(f, perUser(func(ctx context.Context, user int64, ids []int64) (map[int64][]store.Grant, error) {
			return f.store.Grants(ctx, user, ids)
		})),
		Roles:    newLoader(f, perUser(f.store.Roles)),
		Team:     newLoader(f, byID(f.store.TeamsByIDs, func(t *models.Team) int64 { return t.ID })),
		APIToken: newLoader(f, byID(f.store.APITokensByIDs, func(t *models.APIToken) int64 { return t.ID })),
		Activity: newLoader(f, byID(f.store.ActivitiesByIDs, func(a *models.Activity) int64 { return a.ID })),
		Shares:   newLoader(f, grouped(f.store.SharesOfProjects)),
		MemberPage: newLoader(f, pagesWithoutFilter(func(ctx context.Context, ids []int64, r page.Request) (map[int64][]*models.TeamMember, error) {
			return f.store.MemberPages(ctx, ids, r)
		})),
		MemberCount: newLoader(f, countsWithoutFilter(f.store.MemberCounts)),
		TeamProjects: newLoader(f, pagesWithoutFilter(func(ctx context.Context, ids []int64, r page.Request) (map[int64][]*models.Project, error) {
			return f.store.TeamProjectPages(ctx, ids, r)
		})),
		TeamProjCount: newLoader(f, countsWithoutFilter(f.store.TeamProjectCounts)),
		TokenPage: newLoader(f, pagesWithoutFilter(func(ctx context.Context, ids []int64, r page.Request) (map[int64][]*models.APIToken, error) {
			return f.store.APITokenPages(ctx, ids, r)
		})),
		TokenCount: newLoader(f, countsWithoutFilter(f.store.APITokenCounts)),
		ActivityPage: newLoader(f, func(ctx context.Context, keys []PageKey) []*dataloader.Result[[]*models.Activity] {
			return groupedPages(ctx, keys, func(ctx context.Context, ids []int64, scope string, r page.Request) (map[int64][]*models.Activity, error) {
				return f.store.ActivityPages(ctx, store.ActivityScope(scope), ids, r)
			})
		}),
		ActivityCount: newLoader(f, func(ctx context.Context, keys []CountKey) []*dataloader.Result[int] {
			return groupedCounts(ctx, keys, func(ctx context.Context, ids []int64, scope string) (map[int64]int, error) {
				return f.store.ActivityCounts(ctx, store.ActivityScope(scope), ids)
			})
		}),
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
	if store.InTx(ctx) {
		m, err := r.store.Grants(ctx, userID, []int64{projectID})
		return m[projectID], err
	}
	if l := For(ctx); l != nil {
		return l.Teams.Grants.Load(ctx, UserKey{UserID: userID, ObjectID: projectID})()
	}
	m, err := r.store.Grants(pool(ctx), userID, []int64{projectID})
	return m[projectID], err
}

// Role returns a user's role in a team, "" when not a member; read inside
// the transaction of ctx when there is one.
func (r *Reader) Role(ctx context.Context, userID, teamID int64) (models.TeamRole, error) {
	if store.InTx(ctx) {
		m, err := r.store.Roles(ctx, userID, []int64{teamID})
		return m[teamID], err
	}
	if l := For(ctx); l != nil {
		return l.Teams.Roles.Load(ctx, UserKey{UserID: userID, ObjectID: teamID})()
	}
	m, err := r.store.Roles(pool(ctx), userID, []int64{teamID})
	return m[teamID], err
}

// Team reads one team.
func (r *Reader) Team(ctx context.Context, id int64) (*models.Team, error) {
	return load(ctx, id, func(l *Loaders) *dataloader.Loader[int64, *models.Team] { return l.Teams.Team }, r.store.TeamsByIDs)
}

// APIToken reads one API token.
func (r *Reader) APIToken(ctx context.Context, id int64) (*models.APIToken, error) {
	return load(ctx, id, func(l *Loaders) *dataloader.Loader[int64, *models.APIToken] { return l.Teams.APIToken }, r.store.APITokensByIDs)
}

// Activity reads one activity record.
func (r *Reader) Activity(ctx context.Context, id int64) (*models.Activity, error) {
	return load(ctx, id, func(l *Loaders) *dataloader.Loader[int64, *models.Activity] { return l.Teams.Activity }, r.store.ActivitiesByIDs)
}

// Shares reads a project's shares.
func (r *Reader) Shares(ctx context.Context, projectID int64) ([]*models.ProjectShare, error) {
	return children(ctx, projectID, func(l *Loaders) *dataloader.Loader[int64, []*models.ProjectShare] { return l.Teams.Shares },
		r.store.SharesOfProjects)
}

// Members returns a page of a team's members.
func (r *Reader) Members(ctx context.Context, teamID int64, args page.Args) (*models.TeamMemberConnection, error) {
	return connection(ctx, list[*models.TeamMember]{
		ordering:  store.MemberOrdering(),
		pageOf:    func(l *Loaders) *dataloader.Loader[PageKey, []*models.TeamMember] { return l.Teams.MemberPage },
		countOf:   func(l *Loaders) *dataloader.Loader[CountKey, int] { return l.Teams.MemberCount },
		readPage:  r.store.MemberPages,
		readCount: r.store.MemberCounts,
	}, teamID, "", args)
}

// TeamProjects returns a page of the projects shared with a team.
func (r *Reader) TeamProjects(ctx context.Context, teamID int64, args page.Args) (*models.ProjectConnection, error) {
	return connection(ctx, list[*models.Project]{
		ordering:  store.TeamProjectOrdering(),
		pageOf:    func(l *Loaders) *dataloader.Loader[PageKey, []*models.Project] { return l.Teams.TeamProjects },
		countOf:   func(l *Loaders) *dataloader.Loader[CountKey, int] { return l.Teams.TeamProjCount },
		readPage:  r.store.TeamProjectPages,
		readCount: r.store.TeamProjectCounts,
	}, teamID, "", args)
}

// APITokens returns a page of a user's API tokens.
func (r *Reader) APITokens(ctx context.Context, userID int64, args page.Args) (*models.ApiTokenConnection, error) {
	return connection(ctx, list[*models.APIToken]{
		ordering:  store.TokenOrdering(),
		pageOf:    func(l *Loaders) *dataloader.Loader[PageKey, []*models.APIToken] { return l.Teams.TokenPage },
		countOf:   func(l *Loaders) *dataloader.Loader[CountKey, int] { return l.Teams.TokenCount },
		readPage:  r.store.APITokenPages,
		readCount: r.store.APITokenCounts,
	}, userID, "", args)
}

// Activities returns a page of a team's, project's or actor's activity.
func (r *Reader) Activities(ctx context.Context, scope store.ActivityScope, id int64, args page.Args) (*models.ActivityConnection, error) {
	return connection(ctx, list[*models.Activity]{
		ordering: store.ActivityOrdering(),
		pageOf:   func(l *Loaders) *dataloader.Loader[PageKey, []*models.Activity] { return l.Teams.ActivityPage },
		countOf:  func(l *Loaders) *dataloader.Loader[CountKey, int] { return l.Teams.ActivityCount },
		readPage: func(ctx context.Context, ids []int64, pr page.Request) (map[int64][]*models.Activity, error) {
			return r.store.ActivityPages(ctx, scope, ids, pr)
		},
		readCount: func(ctx context.Context, ids []int64) (map[int64]int, error) {
			return r.store.ActivityCounts(ctx, scope, ids)
		},
	}, id, string(scope), args)
}
