package access

import (
	"context"

	"socrates/internal/auth"
	"socrates/internal/store"
	"socrates/models"
)

// Watchers are the live subscriptions a Revalidator can end.
type Watchers interface {
	// Watchers returns the users subscribed to a project's events.
	Watchers(projectID int64) []int64
	// Drop ends a user's subscriptions to a project's events.
	Drop(projectID, userID int64) int
}

// ProjectsByIDs reads projects by id.
type ProjectsByIDs interface {
	ProjectsByIDs(ctx context.Context, ids []int64) ([]*models.Project, error)
}

// Revalidator ends the live subscriptions of users who can no longer read
// a project (after an unshare, a removal from a team, a transfer or a
// deletion).
type Revalidator struct {
	policy   *Policy
	projects ProjectsByIDs
	watchers Watchers
}

// NewRevalidator returns a revalidator of the subscriptions watchers holds.
func NewRevalidator(policy *Policy, projects ProjectsByIDs, watchers Watchers) *Revalidator {
	return &Revalidator{policy: policy, projects: projects, watchers: watchers}
}

// AccessChanged re-checks, once ctx's transaction commits, every live
// subscription to the projects.
func (r *Revalidator) AccessChanged(ctx context.Context, projectIDs ...int64) {
	store.AfterCommit(ctx, func() {
		r.Revalidate(context.WithoutCancel(store.WithoutTx(ctx)), projectIDs...)
	})
}

// Revalidate re-checks now every live subscription to the projects, ending
// those whose user can no longer read the project (or whose project is
// gone).
func (r *Revalidator) Revalidate(ctx context.Context, projectIDs ...int64) {
	for _, pid := range projectIDs {
		users := r.watchers.Watchers(pid)
		if len(users) == 0 {
			continue
		}
		p, err := r.projects.ProjectsByIDs(ctx, []int64{pid})
		for _, user := range users {
			if err != nil || len(p) == 0 {
				r.watchers.Drop(pid, user)
				continue
			}
			uctx := auth.WithPrincipal(ctx, &auth.Principal{UserID: user})
			if perm, err := r.policy.ProjectPermission(uctx, p[0]); err != nil || perm < Read {
				r.watchers.Drop(pid, user)
			}
		}
	}
}
