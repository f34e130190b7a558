// Package team manages teams, their members and roles, the sharing of
// projects with teams, project deletion and transfer, and the activity
// record of those changes. When a change takes access away, the live
// subscriptions of the users who lost it end.
package team

import (
	"context"
	"errors"
	"strconv"

	"socrates/internal/access"
	"socrates/internal/apperr"
	"socrates/internal/auth"
	"socrates/internal/clock"
	"socrates/internal/page"
	"socrates/internal/store"
	"socrates/internal/validate"
	"socrates/models"
)

// Reader reads teams and related objects, batched within an operation.
type Reader interface {
	Team(ctx context.Context, id int64) (*models.Team, error)
	Role(ctx context.Context, userID, teamID int64) (models.TeamRole, error)
	Project(ctx context.Context, id int64) (*models.Project, error)
	Members(ctx context.Context, teamID int64, args page.Args) (*models.TeamMemberConnection, error)
	TeamProjects(ctx context.Context, teamID int64, args page.Args) (*models.ProjectConnection, error)
	Shares(ctx context.Context, projectID int64) ([]*models.ProjectShare, error)
	Activities(ctx context.Context, scope store.ActivityScope, id int64, args page.Args) (*models.ActivityConnection, error)
	Activity(ctx context.Context, id int64) (*models.Activity, error)
}

// Projects locks a project inside a transaction after checking access.
type Projects interface {
	Locked(ctx context.Context, id int64, need access.Permission) (*models.Project, error)
}

// AccessWatch ends, once a transaction commits, the live subscriptions
// whose user lost access to a project.
type AccessWatch interface {
	AccessChanged(ctx context.Context, projectIDs ...int64)
}

// Service implements teams and sharing.
type Service struct {
	store    *store.Store
	policy   *access.Policy
	read     Reader
	projects Projects
	access   AccessWatch
	now      clock.Clock
}

// NewService returns the team service.
func NewService(s *store.Store, policy *access.Policy, read Reader, projects Projects, watch AccessWatch, now clock.Clock) *Service {
	return &Service{store: s, policy: policy, read: read, projects: projects, access: watch, now: now}
}

// Activity actions.
const (
	ActionTeamCreated       = "TEAM_CREATED"
	ActionTeamUpdated       = "TEAM_UPDATED"
	ActionMemberAdded       = "TEAM_MEMBER_ADDED"
	ActionMemberRoleChanged = "TEAM_MEMBER_ROLE_CHANGED"
	ActionMemberRemoved     = "TEAM_MEMBER_REMOVED"
	ActionProjectShared     = "PROJECT_SHARED"
	ActionProjectUnshared   = "PROJECT_UNSHARED"
	ActionProjectTransfer   = "PROJECT_TRANSFERRED"
)

// record writes an activity entry inside the caller's transaction.
func (s *Service) record(ctx context.Context, action string, teamID, projectID, subject *int64, details string) error {
	a := &models.Activity{ActorID: &access.MustUser(ctx).UserID, Action: action, TeamID: teamID, ProjectID: projectID,
		SubjectUserID: subject, CreatedAt: s.now()}
	if details != "" {
		a.Details = &details
	}
	return s.store.CreateActivity(ctx, a)
}

// Teams returns a page of the viewer's teams.
func (s *Service) Teams(ctx context.Context, args page.Args) (*models.TeamConnection, error) {
	pr, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	o := store.TeamOrdering()
	r, err := page.Parse(args, o.Name)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.TeamsOfUser(ctx, pr.UserID, r)
	if err != nil {
		return nil, err
	}
	return page.Build(rows, r, o.Cursor, func(ctx context.Context) (int, error) {
		return s.store.CountTeamsOfUser(ctx, pr.UserID)
	}), nil
}

// Get returns a team the viewer belongs to.
func (s *Service) Get(ctx context.Context, id int64) (*models.Team, error) {
	if _, err := s.role(ctx, id); err != nil {
		return nil, err
	}
	t, err := s.read.Team(ctx, id)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "team")
	}
	return t, nil
}

// role returns the viewer's role in a team, or NOT_FOUND for non-members.
func (s *Service) role(ctx context.Context, teamID int64) (models.TeamRole, error) {
	pr, err := access.RequireUser(ctx)
	if err != nil {
		return "", err
	}
	role, err := s.read.Role(ctx, pr.UserID, teamID)
	if err != nil {
		return "", err
	}
	if role == "" {
		return "", apperr.NotFoundOf("team")
	}
	return role, nil
}

// ViewerRole returns the viewer's role in a team, nil if none.
func (s *Service) ViewerRole(ctx context.Context, t *models.Team) (*models.TeamRole, error) {
	pr := auth.FromContext(ctx)
	if pr == nil {
		return nil, nil
	}
	role, err := s.read.Role(ctx, pr.UserID, t.ID)
	if err != nil || role == "" {
		return nil, err
	}
	return &role, nil
}

// Members returns a page of a team's members.
func (s *Service) Members(ctx context.Context, t *models.Team, args page.Args) (*models.TeamMemberConnection, error) {
	return s.read.Members(ctx, t.ID, args)
}

// Projects returns a page of the projects shared with a team.
func (s *Service) Projects(ctx context.Context, t *models.Team, args page.Args) (*models.ProjectConnection, error) {
	return s.read.TeamProjects(ctx, t.ID, args)
}

// TeamActivity returns a page of a team's activity, for its OWNERs.
func (s *Service) TeamActivity(ctx context.Context, t *models.Team, args page.Args) (*models.ActivityConnection, error) {
	role, err := s.role(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	if role != models.TeamRoleOwner {
		return nil, apperr.Forbiddenf("only the team's OWNERs read its activity")
	}
	return s.read.Activities(ctx, store.ActivityOfTeam, t.ID, args)
}

// ProjectActivity returns a page of a project's activity, for its ADMINs.
func (s *Service) ProjectActivity(ctx context.Context, p *models.Project, args page.Args) (*models.ActivityConnection, error) {
	if err := s.policy.Require(ctx, p, access.Admin); err != nil {
		return nil, err
	}
	return s.read.Activities(ctx, store.ActivityOfProject, p.ID, args)
}

// Activity returns an activity record the viewer may read: as an OWNER of
// its team, an ADMIN of its project, or its actor for token changes.
func (s *Service) Activity(ctx context.Context, id int64) (*models.Activity, error) {
	pr, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.read.Activity(ctx, id)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "activity")
	}
	ok, err := s.mayRead(ctx, pr.UserID, a)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.NotFoundOf("activity")
	}
	return a, nil
}

// mayRead reports whether a user may read an activity record: token
// changes are the actor's own; others are for the team's OWNERs and the
// project's ADMINs.
func (s *Service) mayRead(ctx context.Context, userID int64, a *models.Activity) (bool, error) {
	if a.APITokenID != nil {
		return a.ActorID != nil && *a.ActorID == userID, nil
	}
	if a.TeamID != nil {
		role, err := s.read.Role(ctx, userID, *a.TeamID)
		if err != nil {
			return false, err
		}
		if role == models.TeamRoleOwner {
			return true, nil
		}
	}
	if a.ProjectID != nil {
		p, err := s.read.Project(ctx, *a.ProjectID)
		if apperr.IsNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		perm, err := s.policy.ProjectPermission(ctx, p)
		return perm >= access.Admin, err
	}
	return false, nil
}

// Create makes a team with the viewer as its OWNER.
func (s *Service) Create(ctx context.Context, name string, description *string) (*models.Team, error) {
	pr, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	v := &apperr.Validation{}
	name = validate.Text(v, "name", name, 1, 100)
	description = validate.OptionalText(v, "description", description, 2000)
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	t := &models.Team{Name: name, Description: description, CreatedByID: &pr.UserID, CreatedAt: now, UpdatedAt: now}
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateTeam(ctx, t); err != nil {
			return err
		}
		if err := s.store.AddTeamMember(ctx, &models.TeamMember{TeamID: t.ID, UserID: pr.UserID, Role: models.TeamRoleOwner, JoinedAt: now}); err != nil {
			return err
		}
		return s.record(ctx, ActionTeamCreated, &t.ID, nil, &pr.UserID, t.Name)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// locked locks a team and returns it with the viewer's role, inside the
// caller's transaction: membership changes of one team run one at a time.
func (s *Service) locked(ctx context.Context, teamID int64) (*models.Team, models.TeamRole, error) {
	pr, err := access.RequireUser(ctx)
	if err != nil {
		return nil, "", err
	}
	t, err := s.store.TeamForUpdate(ctx, teamID)
	if err != nil {
		return nil, "", apperr.NotFoundAs(err, "team")
	}
	m, err := s.store.TeamMember(ctx, teamID, pr.UserID)
	if apperr.IsNotFound(err) {
		return nil, "", apperr.NotFoundOf("team")
	}
	if err != nil {
		return nil, "", err
	}
	return t, m.Role, nil
}

func needRole(have models.TeamRole, allowed ...models.TeamRole) error {
	for _, a := range allowed {
		if have == a {
			return nil
		}
	}
	if len(allowed) == 1 {
		return apperr.Forbiddenf("this needs the %s role in the team", allowed[0])
	}
	return apperr.Forbiddenf("this needs the %s or %s role in the team", allowed[0], allowed[1])
}

// Update renames a team or changes its description (OWNER or LEAD).
func (s *Service) Update(ctx context.Context, teamID int64, name, description *string) (*models.Team, error) {
	v := &apperr.Validation{}
	if name != nil {
		n := validate.Text(v, "name", *name, 1, 100)
		name = &n
	}
	setDesc := description != nil
	description = validate.OptionalText(v, "description", description, 2000)
	return store.InTx(ctx, s.store, func(ctx context.Context) (*models.Team, error) {
		t, role, err := s.locked(ctx, teamID)
		if err != nil {
			return nil, err
		}
		if err := needRole(role, models.TeamRoleOwner, models.TeamRoleLead); err != nil {
			return nil, err
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		if name != nil {
			t.Name = *name
		}
		if setDesc {
			t.Description = description
		}
		t.UpdatedAt = s.now()
		if err := s.store.UpdateTeam(ctx, t, "name", "description", "updated_at"); err != nil {
			return nil, err
		}
		return t, s.record(ctx, ActionTeamUpdated, &t.ID, nil, nil, t.Name)
	})
}

// Delete deletes a team and its shares (OWNER).
func (s *Service) Delete(ctx context.Context, teamID int64) error {
	return s.store.WithTx(ctx, func(ctx context.Context) error {
		_, role, err := s.locked(ctx, teamID)
		if err != nil {
			return err
		}
		if err := needRole(role, models.TeamRoleOwner); err != nil {
			return err
		}
		shared, err := s.sharedProjects(ctx, teamID)
		if err != nil {
			return err
		}
		if err := s.store.DeleteTeam(ctx, teamID); err != nil {
			return err
		}
		s.access.AccessChanged(ctx, shared...)
		return nil
	})
}

func (s *Service) sharedProjects(ctx context.Context, teamID int64) ([]int64, error) {
	return s.store.ProjectsSharedWith(ctx, teamID)
}

// AddMember adds a registered user by email (OWNER or LEAD; only an OWNER
// grants OWNER).
func (s *Service) AddMember(ctx context.Context, teamID int64, email string, role models.TeamRole) (*models.Team, *models.TeamMember, error) {
	v := &apperr.Validation{}
	email = validate.Email(v, "email", email)
	if !role.IsValid() {
		v.Add("role", apperr.CodeInvalid, "%q is not a team role", role)
	}
	var t *models.Team
	var m *models.TeamMember
	err := s.store.WithTx(ctx, func(ctx context.Context) error {
		var mine models.TeamRole
		var err error
		if t, mine, err = s.locked(ctx, teamID); err != nil {
			return err
		}
		if err := needRole(mine, models.TeamRoleOwner, models.TeamRoleLead); err != nil {
			return err
		}
		if role == models.TeamRoleOwner && mine != models.TeamRoleOwner {
			return apperr.Forbiddenf("only an OWNER can make someone an OWNER")
		}
		if err := v.Err(); err != nil {
			return err
		}
		u, err := s.registered(ctx, email)
		if err != nil {
			return err
		}
		m = &models.TeamMember{TeamID: teamID, UserID: u.ID, Role: role, JoinedAt: s.now()}
		if err := s.store.AddTeamMember(ctx, m); err != nil {
			if errors.Is(err, store.ErrDuplicate) {
				return apperr.Invalid("email", apperr.CodeAlreadyMember, "this user is already a member of the team")
			}
			return err
		}
		return s.record(ctx, ActionMemberAdded, &teamID, nil, &u.ID, string(role))
	})
	if err != nil {
		return nil, nil, err
	}
	return t, m, nil
}

// UpdateRole changes a member's role (OWNER); the last OWNER cannot be demoted.
func (s *Service) UpdateRole(ctx context.Context, teamID, userID int64, role models.TeamRole) (*models.Team, *models.TeamMember, error) {
	if !role.IsValid() {
		return nil, nil, apperr.Invalid("role", apperr.CodeInvalid, "%q is not a team role", role)
	}
	var t *models.Team
	var m *models.TeamMember
	err := s.store.WithTx(ctx, func(ctx context.Context) error {
		var mine models.TeamRole
		var err error
		if t, mine, err = s.locked(ctx, teamID); err != nil {
			return err
		}
		if err := needRole(mine, models.TeamRoleOwner); err != nil {
			return err
		}
		m, err = s.store.TeamMember(ctx, teamID, userID)
		if apperr.IsNotFound(err) {
			return apperr.Invalid("userId", apperr.CodeNotAMember, "this user is not a member of the team")
		}
		if err != nil {
			return err
		}
		if m.Role == models.TeamRoleOwner && role != models.TeamRoleOwner {
			if err := s.keepAnOwner(ctx, teamID); err != nil {
				return err
			}
		}
		m.Role = role
		if err := s.store.UpdateTeamMember(ctx, m); err != nil {
			return err
		}
		return s.record(ctx, ActionMemberRoleChanged, &teamID, nil, &userID, string(role))
	})
	if err != nil {
		return nil, nil, err
	}
	return t, m, nil
}

// registered finds a registered user by email, or answers USER_NOT_FOUND.
func (s *Service) registered(ctx context.Context, email string) (*models.User, error) {
	u, err := s.store.UserByEmail(ctx, email)
	if apperr.IsNotFound(err) {
		return nil, apperr.Invalid("email", apperr.CodeUserNotFound, "no registered user has this email")
	}
	return u, err
}

// keepAnOwner refuses a change that would leave the team without an OWNER.
func (s *Service) keepAnOwner(ctx context.Context, teamID int64) error {
	n, err := s.store.CountOwners(ctx, teamID)
	if err != nil {
		return err
	}
	if n <= 1 {
		return apperr.Invalid("userId", apperr.CodeLastOwner, "a team keeps at least one OWNER: make someone else OWNER first")
	}
	return nil
}

// RemoveMember removes a member (an OWNER removes anyone; a member may
// leave); the last OWNER cannot be removed. The removed user's
// subscriptions to projects they can no longer read end.
func (s *Service) RemoveMember(ctx context.Context, teamID, userID int64) (*models.Team, error) {
	return store.InTx(ctx, s.store, func(ctx context.Context) (*models.Team, error) {
		t, mine, err := s.locked(ctx, teamID)
		if err != nil {
			return nil, err
		}
		self := access.MustUser(ctx).UserID == userID
		if !self {
			if err := needRole(mine, models.TeamRoleOwner); err != nil {
				return nil, err
			}
		}
		m, err := s.store.TeamMember(ctx, teamID, userID)
		if apperr.IsNotFound(err) {
			return nil, apperr.Invalid("userId", apperr.CodeNotAMember, "this user is not a member of the team")
		}
		if err != nil {
			return nil, err
		}
		if m.Role == models.TeamRoleOwner {
			if err := s.keepAnOwner(ctx, teamID); err != nil {
				return nil, err
			}
		}
		if err := s.store.RemoveTeamMember(ctx, teamID, userID); err != nil {
			return nil, err
		}
		shared, err := s.sharedProjects(ctx, teamID)
		if err != nil {
			return nil, err
		}
		s.access.AccessChanged(ctx, shared...)
		return t, s.record(ctx, ActionMemberRemoved, &teamID, nil, &userID, "")
	})
}

// Share shares a project with a team at a permission, or changes the
// level: the viewer must be an ADMIN of the project and a member of the team.
func (s *Service) Share(ctx context.Context, projectID, teamID int64, perm models.ProjectPermission) (*models.Project, *models.ProjectShare, error) {
	if perm != models.ProjectPermissionRead && perm != models.ProjectPermissionWrite && perm != models.ProjectPermissionAdmin {
		return nil, nil, apperr.Invalid("permission", apperr.CodeInvalid, "a project is shared at READ, WRITE or ADMIN")
	}
	var p *models.Project
	var sh *models.ProjectShare
	err := s.store.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if p, err = s.projects.Locked(ctx, projectID, access.Admin); err != nil {
			return err
		}
		if _, _, err := s.locked(ctx, teamID); err != nil {
			return err
		}
		pr := access.MustUser(ctx)
		sh = &models.ProjectShare{ProjectID: p.ID, TeamID: teamID, Permission: perm, SharedByID: &pr.UserID, SharedAt: s.now()}
		if err := s.store.SaveShare(ctx, sh); err != nil {
			return err
		}
		s.access.AccessChanged(ctx, p.ID)
		return s.record(ctx, ActionProjectShared, &teamID, &p.ID, nil, string(perm))
	})
	if err != nil {
		return nil, nil, err
	}
	return p, sh, nil
}

// Unshare stops sharing a project with a team (project ADMIN); members who
// lose access lose their live subscriptions too.
func (s *Service) Unshare(ctx context.Context, projectID, teamID int64) (*models.Project, error) {
	return store.InTx(ctx, s.store, func(ctx context.Context) (*models.Project, error) {
		p, err := s.projects.Locked(ctx, projectID, access.Admin)
		if err != nil {
			return nil, err
		}
		removed, err := s.store.DeleteShare(ctx, p.ID, teamID)
		if err != nil {
			return nil, err
		}
		if !removed {
			return nil, apperr.Invalid("teamId", apperr.CodeNotShared, "the project is not shared with this team")
		}
		s.access.AccessChanged(ctx, p.ID)
		return p, s.record(ctx, ActionProjectUnshared, &teamID, &p.ID, nil, "")
	})
}

// Shares returns a project's shares.
func (s *Service) Shares(ctx context.Context, p *models.Project) ([]*models.ProjectShare, error) {
	return s.read.Shares(ctx, p.ID)
}

// DeleteProject deletes a project and everything in it (OWNER).
func (s *Service) DeleteProject(ctx context.Context, projectID int64) error {
	return s.store.WithTx(ctx, func(ctx context.Context) error {
		p, err := s.projects.Locked(ctx, projectID, access.Owner)
		if err != nil {
			return err
		}
		if err := s.store.DeleteProject(ctx, p.ID); err != nil {
			return err
		}
		s.access.AccessChanged(ctx, p.ID)
		return nil
	})
}

// TransferProject gives a project to another registered user (OWNER).
func (s *Service) TransferProject(ctx context.Context, projectID int64, email string) (*models.Project, error) {
	v := &apperr.Validation{}
	email = validate.Email(v, "email", email)
	return store.InTx(ctx, s.store, func(ctx context.Context) (*models.Project, error) {
		p, err := s.projects.Locked(ctx, projectID, access.Owner)
		if err != nil {
			return nil, err
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		u, err := s.registered(ctx, email)
		if err != nil {
			return nil, err
		}
		if u.ID == p.OwnerID {
			return nil, apperr.Invalid("email", apperr.CodeInvalid, "this user already owns the project")
		}
		from := p.OwnerID
		p.OwnerID, p.UpdatedAt = u.ID, s.now()
		if err := s.store.UpdateProject(ctx, p, "owner_id", "updated_at"); err != nil {
			return nil, err
		}
		s.access.AccessChanged(ctx, p.ID)
		return p, s.record(ctx, ActionProjectTransfer, nil, &p.ID, &u.ID, "from user "+strconv.FormatInt(from, 10))
	})
}
