package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"socrates/internal/page"
	"socrates/models"
)

// CreateTeam inserts a team.
func (s *Store) CreateTeam(ctx context.Context, t *models.Team) error {
	return s.insert(ctx, "team", t)
}

// TeamForUpdate reads a team inside the transaction of ctx and locks it
// until the transaction ends (see forUpdate), so that membership changes
// of one team queue behind each other.
func (s *Store) TeamForUpdate(ctx context.Context, id int64) (*models.Team, error) {
	return rowForUpdate[models.Team](ctx, s, "team", "t.id", id)
}

// TeamsByIDs returns teams by id.
func (s *Store) TeamsByIDs(ctx context.Context, ids []int64) ([]*models.Team, error) {
	return byIDs[models.Team](ctx, s, "teams", "t.id", ids)
}

// UpdateTeam writes the given columns of a team.
func (s *Store) UpdateTeam(ctx context.Context, t *models.Team, columns ...string) error {
	if _, err := s.DB(ctx).NewUpdate().Model(t).Column(columns...).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("update team: %w", err)
	}
	return nil
}

// DeleteTeam deletes a team with its memberships and shares.
func (s *Store) DeleteTeam(ctx context.Context, id int64) error {
	if _, err := s.DB(ctx).NewDelete().Model((*models.Team)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("delete team: %w", err)
	}
	return nil
}

// TeamOrdering orders a user's teams by id.
func TeamOrdering() Ordering[*models.Team] {
	return ChronologicalOrdering("TEAM", "t.id", func(t *models.Team) int64 { return t.ID })
}

func (s *Store) teamsOf(ctx context.Context, userID int64) *bun.SelectQuery {
	return s.DB(ctx).NewSelect().Model((*models.Team)(nil)).
		Where("t.id IN (SELECT tm.team_id FROM team_members AS tm WHERE tm.user_id = ?)", userID)
}

// TeamsOfUser returns a page of the teams a user belongs to.
func (s *Store) TeamsOfUser(ctx context.Context, userID int64, r page.Request) ([]*models.Team, error) {
	var rows []*models.Team
	q, err := TeamOrdering().Page(s.teamsOf(ctx, userID).Model(&rows), r)
	if err != nil {
		return nil, err
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("teams of user: %w", err)
	}
	return rows, nil
}

// CountTeamsOfUser counts the teams a user belongs to.
func (s *Store) CountTeamsOfUser(ctx context.Context, userID int64) (int, error) {
	n, err := s.teamsOf(ctx, userID).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count teams: %w", err)
	}
	return int(n), nil
}

// AddTeamMember inserts a membership; ErrDuplicate when it exists.
func (s *Store) AddTeamMember(ctx context.Context, m *models.TeamMember) error {
	if _, err := s.DB(ctx).NewInsert().Model(m).Exec(ctx); err != nil {
		if IsUniqueViolation(err) {
			return ErrDuplicate
		}
		return fmt.Errorf("add team member: %w", err)
	}
	return nil
}

// ErrDuplicate is returned when a row with the same key exists.
var ErrDuplicate = fmt.Errorf("already exists")

// TeamMember returns one membership.
func (s *Store) TeamMember(ctx context.Context, teamID, userID int64) (*models.TeamMember, error) {
	m := &models.TeamMember{TeamID: teamID, UserID: userID}
	err := s.DB(ctx).NewSelect().Model(m).WherePK().Scan(ctx)
	return m, rowErr(err, "team member")
}

// UpdateTeamMember writes a membership's role.
func (s *Store) UpdateTeamMember(ctx context.Context, m *models.TeamMember) error {
	if _, err := s.DB(ctx).NewUpdate().Model(m).Column("role").WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("update team member: %w", err)
	}
	return nil
}

// RemoveTeamMember deletes a membership.
func (s *Store) RemoveTeamMember(ctx context.Context, teamID, userID int64) error {
	if _, err := s.DB(ctx).NewDelete().Model((*models.TeamMember)(nil)).Where("team_id = ?", teamID).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return fmt.Errorf("remove team member: %w", err)
	}
	return nil
}

// CountOwners counts a team's OWNERs.
func (s *Store) CountOwners(ctx context.Context, teamID int64) (int, error) {
	n, err := s.DB(ctx).NewSelect().Model((*models.TeamMember)(nil)).Where("tm.team_id = ?", teamID).
		Where("tm.role = ?", models.TeamRoleOwner).Count(ctx)
	return int(n), err
}

// Roles returns a user's role in each of the given teams (absent when not a member).
func (s *Store) Roles(ctx context.Context, userID int64, teamIDs []int64) (map[int64]models.TeamRole, error) {
	var rows []*models.TeamMember
	q := s.DB(ctx).NewSelect().Model(&rows).Where("tm.user_id = ?", userID).Where(s.anyOf("tm.team_id"))
	if err := s.scanIDs(ctx, q, teamIDs, &rows); err != nil {
		return nil, fmt.Errorf("roles: %w", err)
	}
	out := map[int64]models.TeamRole{}
	for _, r := range rows {
		out[r.TeamID] = r.Role
	}
	return out, nil
}

// MemberOrdering orders a team's members by when they joined.
func MemberOrdering() Ordering[*models.TeamMember] {
	return Ordering[*models.TeamMember]{Name: "MEMBER", ID: "tm.user_id", Expr: "tm.joined_at", Kind: KindTime,
		Value: func(m *models.TeamMember) string { return TimeValue(m.JoinedAt) },
		Key:   func(m *models.TeamMember) int64 { return m.UserID }}
}

func (s *Store) memberList(ctx context.Context) *bun.SelectQuery {
	return s.DB(ctx).NewSelect().Model((*models.TeamMember)(nil)).Where(s.anyOf("tm.team_id"))
}

// MemberPages reads a page of members per team.
func (s *Store) MemberPages(ctx context.Context, teamIDs []int64, r page.Request) (map[int64][]*models.TeamMember, error) {
	return pagesByParent(ctx, s, s.memberList(ctx), "tm", "tm.team_id", MemberOrdering(), r, teamIDs,
		func(m *models.TeamMember) int64 { return m.TeamID })
}

// MemberCounts counts the members of each team.
func (s *Store) MemberCounts(ctx context.Context, teamIDs []int64) (map[int64]int, error) {
	return countByParent(ctx, s, s.memberList(ctx), "tm.team_id", teamIDs)
}

// SaveShare inserts or replaces a project share.
func (s *Store) SaveShare(ctx context.Context, sh *models.ProjectShare) error {
	_, err := s.DB(ctx).NewInsert().Model(sh).On("CONFLICT (project_id, team_id) DO UPDATE").
		Set("permission = EXCLUDED.permission").Set("shared_by_id = EXCLUDED.shared_by_id").Set("shared_at = EXCLUDED.shared_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("save share: %w", err)
	}
	return nil
}

// DeleteShare removes a share; false when there was none.
func (s *Store) DeleteShare(ctx context.Context, projectID, teamID int64) (bool, error) {
	res, err := s.DB(ctx).NewDelete().Model((*models.ProjectShare)(nil)).Where("project_id = ?", projectID).Where("team_id = ?", teamID).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("delete share: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// SharesOfProjects returns the shares of each project, oldest first.
func (s *Store) SharesOfProjects(ctx context.Context, projectIDs []int64) (map[int64][]*models.ProjectShare, error) {
	var rows []*models.ProjectShare
	q := s.DB(ctx).NewSelect().Model(&rows).Where(s.anyOf("ps.project_id")).OrderExpr("ps.shared_at, ps.team_id")
	if err := s.scanIDs(ctx, q, projectIDs, &rows); err != nil {
		return nil, fmt.Errorf("shares: %w", err)
	}
	out := map[int64][]*models.ProjectShare{}
	for _, r := range rows {
		out[r.ProjectID] = append(out[r.ProjectID], r)
	}
	return out, nil
}

// Grant is a permission a user holds on a project through one team.
type Grant struct {
	ProjectID  int64                    `bun:"project_id"`
	Permission models.ProjectPermission `bun:"permission"`
	Role       models.TeamRole          `bun:"role"`
}

// Grants returns what a user holds on each project through team shares.
func (s *Store) Grants(ctx context.Context, userID int64, projectIDs []int64) (map[int64][]Grant, error) {
	var rows []Grant
	q := s.DB(ctx).NewSelect().TableExpr("project_shares AS ps").
		Join("JOIN team_members AS tm ON tm.team_id = ps.team_id").
		ColumnExpr("ps.project_id, ps.permission, tm.role").
		Where("tm.user_id = ?", userID).Where(s.anyOf("ps.project_id"))
	if err := s.scanIDs(ctx, q, projectIDs, &rows); err != nil {
		return nil, fmt.Errorf("grants: %w", err)
	}
	out := map[int64][]Grant{}
	for _, r := range rows {
		out[r.ProjectID] = append(out[r.ProjectID], r)
	}
	return out, nil
}

// TeamProjectOrdering orders a team's projects, newest first.
func TeamProjectOrdering() Ordering[*models.Project] {
	return Ordering[*models.Project]{Name: "TEAM_PROJECT", ID: "p.id", Desc: true, Key: func(p *models.Project) int64 { return p.ID }}
}

// teamProject is a project row with the team it is shared with.
type teamProject struct {
	models.Project `bun:",extend"`
	ShareTeamID    int64 `bun:"share_team_id"`
}

// TeamProjectPages reads a page of shared projects per team in one statement.
func (s *Store) TeamProjectPages(ctx context.Context, teamIDs []int64, r page.Request) (map[int64][]*models.Project, error) {
	inner := s.DB(ctx).NewSelect().Model((*models.Project)(nil)).
		Join("JOIN project_shares AS ps ON ps.project_id = p.id").
		ColumnExpr("ps.team_id AS share_team_id").
		Where(s.anyOf("ps.team_id"))
	o := Ordering[*teamProject]{Name: "TEAM_PROJECT", ID: "p.id", Desc: true, Key: func(p *teamProject) int64 { return p.ID }}
	rows, err := pagesByParent(ctx, s, inner, "p", "ps.team_id", o, r, teamIDs, func(p *teamProject) int64 { return p.ShareTeamID })
	if err != nil {
		return nil, err
	}
	out := map[int64][]*models.Project{}
	for team, ps := range rows {
		for _, p := range ps {
			out[team] = append(out[team], &p.Project)
		}
	}
	return out, nil
}

// TeamProjectCounts counts the projects shared with each team.
func (s *Store) TeamProjectCounts(ctx context.Context, teamIDs []int64) (map[int64]int, error) {
	return countByParent(ctx, s, s.DB(ctx).NewSelect().TableExpr("project_shares AS ps").Where(s.anyOf("ps.team_id")), "ps.team_id", teamIDs)
}

// DeleteProject deletes a project and everything in it.
func (s *Store) DeleteProject(ctx context.Context, id int64) error {
	if _, err := s.DB(ctx).NewDelete().Model((*models.Project)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("delete project: %w", err)
	}
	return nil
}

// CreateAPIToken inserts a token.
func (s *Store) CreateAPIToken(ctx context.Context, t *models.APIToken) error {
	return s.insert(ctx, "api token", t)
}

// APITokenByHash returns the token with a hash.
func (s *Store) APITokenByHash(ctx context.Context, hash string) (*models.APIToken, error) {
	t := new(models.APIToken)
	err := s.DB(ctx).NewSelect().Model(t).Where("at.token_hash = ?", hash).Scan(ctx)
	return t, rowErr(err, "api token by hash")
}

// APITokensByIDs returns tokens by id.
func (s *Store) APITokensByIDs(ctx context.Context, ids []int64) ([]*models.APIToken, error) {
	return byIDs[models.APIToken](ctx, s, "api tokens", "at.id", ids)
}

// APITokenForUpdate reads an API token inside the transaction of ctx and
// locks it until the transaction ends (see forUpdate).
func (s *Store) APITokenForUpdate(ctx context.Context, id int64) (*models.APIToken, error) {
	return rowForUpdate[models.APIToken](ctx, s, "API token", "at.id", id)
}

// RevokeAPIToken marks a token revoked.
func (s *Store) RevokeAPIToken(ctx context.Context, t *models.APIToken) error {
	if _, err := s.DB(ctx).NewUpdate().Model(t).Column("revoked_at").WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("revoke api token: %w", err)
	}
	return nil
}

// TouchAPIToken sets last_used_at to now unless it was set within the last
// minute, so a busy token costs one write a minute at most.
func (s *Store) TouchAPIToken(ctx context.Context, id int64, now time.Time) error {
	_, err := s.DB(ctx).NewUpdate().Model((*models.APIToken)(nil)).Set("last_used_at = ?", now).
		Where("id = ?", id).WhereGroup(" AND ", func(q *bun.UpdateQuery) *bun.UpdateQuery {
		return q.Where("last_used_at IS NULL").WhereOr("last_used_at < ?", now.Add(-time.Minute))
	}).Exec(ctx)
	if err != nil {
		return fmt.Errorf("touch api token: %w", err)
	}
	return nil
}

// TokenOrdering orders a user's tokens, newest first.
func TokenOrdering() Ordering[*models.APIToken] {
	return Ordering[*models.APIToken]{Name: "API_TOKEN", ID: "at.id", Desc: true, Key: func(t *models.APIToken) int64 { return t.ID }}
}

func (s *Store) tokenList(ctx context.Context) *bun.SelectQuery {
	return s.DB(ctx).NewSelect().Model((*models.APIToken)(nil)).Where(s.anyOf("at.user_id"))
}

// APITokenPages reads a page of tokens per user.
func (s *Store) APITokenPages(ctx context.Context, userIDs []int64, r page.Request) (map[int64][]*models.APIToken, error) {
	return pagesByParent(ctx, s, s.tokenList(ctx), "at", "at.user_id", TokenOrdering(), r, userIDs,
		func(t *models.APIToken) int64 { return t.UserID })
}

// APITokenCounts counts the tokens of each user.
func (s *Store) APITokenCounts(ctx context.Context, userIDs []int64) (map[int64]int, error) {
	return countByParent(ctx, s, s.tokenList(ctx), "at.user_id", userIDs)
}

// CreateActivity records a change.
func (s *Store) CreateActivity(ctx context.Context, a *models.Activity) error {
	return s.insert(ctx, "activity", a)
}

// ActivitiesByIDs returns activity records by id.
func (s *Store) ActivitiesByIDs(ctx context.Context, ids []int64) ([]*models.Activity, error) {
	return byIDs[models.Activity](ctx, s, "activities", "ac.id", ids)
}

// ActivityOrdering orders activity records, newest first.
func ActivityOrdering() Ordering[*models.Activity] {
	return Ordering[*models.Activity]{Name: "ACTIVITY", ID: "ac.id", Desc: true, Key: func(a *models.Activity) int64 { return a.ID }}
}

// ActivityScope names the column activity is listed by.
type ActivityScope string

// The lists of activity.
const (
	ActivityOfTeam    ActivityScope = "ac.team_id"
	ActivityOfProject ActivityScope = "ac.project_id"
	ActivityOfActor   ActivityScope = "ac.actor_id"
)

func (s *Store) activityList(ctx context.Context, scope ActivityScope) *bun.SelectQuery {
	q := s.DB(ctx).NewSelect().Model((*models.Activity)(nil)).Where(s.anyOf(string(scope)))
	if scope == ActivityOfActor {
		q = q.Where("ac.api_token_id IS NOT NULL")
	}
	return q
}

// ActivityPages reads a page of activity per team, project or actor.
func (s *Store) ActivityPages(ctx context.Context, scope ActivityScope, ids []int64, r page.Request) (map[int64][]*models.Activity, error) {
	return pagesByParent(ctx, s, s.activityList(ctx, scope), "ac", string(scope), ActivityOrdering(), r, ids,
		func(a *models.Activity) int64 {
			switch scope {
			case ActivityOfTeam:
				return *a.TeamID
			case ActivityOfProject:
				return *a.ProjectID
			}
			return *a.ActorID
		})
}

// ActivityCounts counts activity per team, project or actor.
func (s *Store) ActivityCounts(ctx context.Context, scope ActivityScope, ids []int64) (map[int64]int, error) {
	return countByParent(ctx, s, s.activityList(ctx, scope), string(scope), ids)
}

// ShareATeam reports whether two users are members of a common team.
func (s *Store) ShareATeam(ctx context.Context, a, b int64) (bool, error) {
	n, err := s.DB(ctx).NewSelect().TableExpr("team_members AS x").
		Join("JOIN team_members AS y ON y.team_id = x.team_id").
		Where("x.user_id = ?", a).Where("y.user_id = ?", b).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("common team: %w", err)
	}
	return n > 0, nil
}

// ProjectsSharedWith returns the ids of the projects shared with a team.
func (s *Store) ProjectsSharedWith(ctx context.Context, teamID int64) ([]int64, error) {
	var ids []int64
	err := s.DB(ctx).NewSelect().TableExpr("project_shares AS ps").Column("ps.project_id").Where("ps.team_id = ?", teamID).Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("projects shared with team: %w", err)
	}
	return ids, nil
}
