package spec

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"socrates/internal/access"
	"socrates/internal/apperr"
	"socrates/internal/socratic"
	"socrates/internal/store"
	"socrates/internal/validate"
	"socrates/models"
)

// Activity actions of specification corrections.
const (
	ActionSpecificationRejected = "SPECIFICATION_REJECTED"
	ActionSpecificationRestored = "SPECIFICATION_RESTORED"
)

// MaxNote is the longest rejection note, in characters.
const MaxNote = 2000

// Correction is the outcome of rejecting or restoring a specification.
type Correction struct {
	Specification *models.Specification
	Project       *models.Project
	// Conflicts are the conflicts the change closed, then those it opened.
	Conflicts []*models.Conflict
}

// Reject marks a CURRENT or PENDING specification REJECTED and keeps the
// note on it. Every OPEN conflict it took part in whose side it was on has
// no other CURRENT or PENDING specification is closed (RESOLVED, with a
// note naming it; KEEP_OLD when it was the new side). A PENDING
// specification of such a conflict whose existing side it was, left with
// no other OPEN conflict, is checked against the CURRENT specifications as
// if it were new: it becomes CURRENT, or stays PENDING with the conflicts
// that check raises. Maturity is recomputed and the change is recorded in
// the project's activity. The cost is a fixed number of statements,
// whatever the number of conflicts.
func (s *Service) Reject(ctx context.Context, specID int64, note *string) (*Correction, error) {
	pr, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	v := &apperr.Validation{}
	note = validateNote(v, note)
	if err := v.Err(); err != nil {
		return nil, err
	}
	peek, err := s.read.Specification(ctx, specID)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "specification")
	}
	return store.InTx(ctx, s.store, func(ctx context.Context) (*Correction, error) {
		p, sp, err := s.writableSpecification(ctx, peek.ProjectID, specID)
		if err != nil {
			return nil, err
		}
		if sp.Status != models.SpecStatusCurrent && sp.Status != models.SpecStatusPending {
			return nil, apperr.Invalid("specificationId", apperr.CodeInvalidState,
				"only a CURRENT or PENDING specification can be rejected; this one is %s", sp.Status)
		}
		now := s.now()
		sp.Status, sp.RejectionNote, sp.UpdatedAt = models.SpecStatusRejected, note, now
		if err := s.store.UpdateSpecification(ctx, sp, "status", "rejection_note", "updated_at"); err != nil {
			return nil, err
		}
		closed, freed, err := s.closeRejected(ctx, sp, pr.UserID, now)
		if err != nil {
			return nil, err
		}
		changed := []*models.Specification{sp}
		var opened []*models.Conflict
		if len(freed) > 0 {
			promoted, conflicts, err := s.promote(ctx, p, freed, now)
			if err != nil {
				return nil, err
			}
			changed, opened = append(changed, promoted...), conflicts
		}
		prev, err := s.Rescore(ctx, p)
		if err != nil {
			return nil, err
		}
		sessionID, err := s.sessionOf(ctx, []*models.Specification{sp})
		if err != nil {
			return nil, err
		}
		details := describeSpec(sp)
		if note != nil {
			details += ": " + *note
		}
		if err := s.recordActivity(ctx, ActionSpecificationRejected, p.ID, pr.UserID, details); err != nil {
			return nil, err
		}
		s.Announce(ctx, p, sessionID, nil, Recorded{Specifications: changed, Conflicts: opened, Closed: closed}, prev)
		return &Correction{Specification: sp, Project: p, Conflicts: append(closed, opened...)}, nil
	})
}

// Restore brings a REJECTED specification back through the path a
// specification added by hand takes: it is refused as DUPLICATE when a
// CURRENT or PENDING specification has its key and value, and otherwise
// checked against the CURRENT ones, becoming CURRENT, or PENDING with the
// conflicts it raises. A SUPERSEDED specification is not restored (its
// successor is edited instead). Maturity is recomputed and the change is
// recorded in the project's activity.
func (s *Service) Restore(ctx context.Context, specID int64) (*Correction, error) {
	pr, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	peek, err := s.read.Specification(ctx, specID)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "specification")
	}
	return store.InTx(ctx, s.store, func(ctx context.Context) (*Correction, error) {
		p, sp, err := s.writableSpecification(ctx, peek.ProjectID, specID)
		if err != nil {
			return nil, err
		}
		switch sp.Status {
		case models.SpecStatusRejected:
		case models.SpecStatusSuperseded:
			return nil, apperr.Invalid("specificationId", apperr.CodeInvalidState,
				"a SUPERSEDED specification cannot be restored; edit the specification that replaced it instead")
		default:
			return nil, apperr.Invalid("specificationId", apperr.CodeInvalidState,
				"only a REJECTED specification can be restored; this one is %s", sp.Status)
		}
		known, err := s.store.ProjectSpecifications(ctx, p.ID, models.SpecStatusCurrent, models.SpecStatusPending)
		if err != nil {
			return nil, err
		}
		if k := repeated(socratic.Extracted{Category: sp.Category, Key: sp.Key, Value: sp.Value}, known); k != nil {
			return nil, apperr.Invalid("specificationId", apperr.CodeDuplicate, "the project already has %s = %q (%s)", k.Key, k.Value, k.Status)
		}
		now := s.now()
		plan := planPromotion(p.ID, current(known), []*models.Specification{sp}, now)
		sp.Status, sp.UpdatedAt = models.SpecStatusPending, now
		if len(plan.promoted) > 0 {
			sp.Status = models.SpecStatusCurrent
		}
		if err := s.store.UpdateSpecification(ctx, sp, "status", "updated_at"); err != nil {
			return nil, err
		}
		if err := s.store.CreateConflicts(ctx, plan.conflicts, plan.links); err != nil {
			return nil, err
		}
		prev, err := s.Rescore(ctx, p)
		if err != nil {
			return nil, err
		}
		sessionID, err := s.sessionOf(ctx, []*models.Specification{sp})
		if err != nil {
			return nil, err
		}
		if err := s.recordActivity(ctx, ActionSpecificationRestored, p.ID, pr.UserID, describeSpec(sp)+" is "+string(sp.Status)); err != nil {
			return nil, err
		}
		s.Announce(ctx, p, sessionID, nil, Recorded{Specifications: []*models.Specification{sp}, Conflicts: plan.conflicts}, prev)
		return &Correction{Specification: sp, Project: p, Conflicts: plan.conflicts}, nil
	})
}

// validateNote checks a rejection note: at most MaxNote characters, no
// control characters; blank is none.
func validateNote(v *apperr.Validation, note *string) *string {
	if note == nil {
		return nil
	}
	// Count before trimming too, so that a note of blanks over the limit
	// is not taken as none.
	if n := utf8.RuneCountInString(*note); n > MaxNote {
		v.Add("note", apperr.CodeTooLong, "note must be at most %d characters, got %d", MaxNote, n)
		return nil
	}
	return validate.OptionalText(v, "note", note, MaxNote)
}

// closeRejected closes the OPEN conflicts of a specification just
// rejected that are left with nothing to decide, and returns them with
// the PENDING specifications that the rejection freed: new in a conflict
// it closed as the existing side, and in no other OPEN conflict.
func (s *Service) closeRejected(ctx context.Context, sp *models.Specification, userID int64, now time.Time) ([]*models.Conflict, []*models.Specification, error) {
	byspec, err := s.store.ConflictsOfSpecifications(ctx, []int64{sp.ID})
	if err != nil {
		return nil, nil, err
	}
	var open []*models.Conflict
	for _, c := range byspec[sp.ID] {
		if c.Status == models.ConflictStatusOpen {
			open = append(open, c)
		}
	}
	if len(open) == 0 {
		return nil, nil, nil
	}
	ids := make([]int64, len(open))
	for i, c := range open {
		ids[i] = c.ID
	}
	links, err := s.store.ConflictLinks(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	var linked []int64
	for _, ls := range links {
		for _, l := range ls {
			if l.SpecificationID != sp.ID && !slices.Contains(linked, l.SpecificationID) {
				linked = append(linked, l.SpecificationID)
			}
		}
	}
	others, err := s.store.SpecificationsByIDs(ctx, linked)
	if err != nil {
		return nil, nil, err
	}
	specs := map[int64]*models.Specification{sp.ID: sp}
	for _, o := range others {
		specs[o.ID] = o
	}
	plan := planRejection(sp.ID, open, links, specs)
	note := fmt.Sprintf("Closed because %s was rejected.", describeSpec(sp))
	keepOld := string(models.ConflictResolutionKeepOld)
	if err := s.store.CloseConflicts(ctx, conflictIDs(plan.keepOld), &keepOld, note, userID, now); err != nil {
		return nil, nil, err
	}
	if err := s.store.CloseConflicts(ctx, conflictIDs(plan.unresolved), nil, note, userID, now); err != nil {
		return nil, nil, err
	}
	closed := append(plan.keepOld, plan.unresolved...)
	for _, c := range plan.keepOld {
		c.ResolutionName = &keepOld
	}
	for _, c := range closed {
		c.Status, c.ResolutionNote, c.ResolvedByID, c.ResolvedAt = models.ConflictStatusResolved, &note, &userID, &now
	}
	slices.SortFunc(closed, func(a, b *models.Conflict) int { return cmp.Compare(a.ID, b.ID) })
	if len(plan.candidates) == 0 {
		return closed, nil, nil
	}
	candidateIDs := make([]int64, len(plan.candidates))
	for i, c := range plan.candidates {
		candidateIDs[i] = c.ID
	}
	theirs, err := s.store.ConflictsOfSpecifications(ctx, candidateIDs)
	if err != nil {
		return nil, nil, err
	}
	return closed, stillFree(plan.candidates, theirs, conflictIDs(closed)), nil
}

// rejectionPlan is what rejecting a specification does to its OPEN
// conflicts.
type rejectionPlan struct {
	// keepOld are closed as KEEP_OLD: the rejected specification was the
	// only live one on their new side.
	keepOld []*models.Conflict
	// unresolved are closed with no resolution: the rejected specification
	// was the only live one on their existing side.
	unresolved []*models.Conflict
	// candidates are the PENDING new specifications of the unresolved
	// ones, which may become CURRENT.
	candidates []*models.Specification
}

// planRejection decides, without I/O, which OPEN conflicts the rejection
// of a specification closes: those where no other CURRENT or PENDING
// specification is on its side.
func planRejection(rejected int64, open []*models.Conflict, links map[int64][]models.ConflictSpecification, specs map[int64]*models.Specification) rejectionPlan {
	var out rejectionPlan
	for _, c := range open {
		role := ""
		for _, l := range links[c.ID] {
			if l.SpecificationID == rejected {
				role = l.Role
			}
		}
		if role == "" {
			continue
		}
		alive := false
		for _, l := range links[c.ID] {
			if sp := specs[l.SpecificationID]; l.Role == role && l.SpecificationID != rejected && sp != nil && live(sp) {
				alive = true
			}
		}
		if alive {
			continue
		}
		if role == models.ConflictRoleNew {
			out.keepOld = append(out.keepOld, c)
			continue
		}
		out.unresolved = append(out.unresolved, c)
		for _, l := range links[c.ID] {
			sp := specs[l.SpecificationID]
			if l.Role == models.ConflictRoleNew && sp != nil && sp.Status == models.SpecStatusPending && !slices.Contains(out.candidates, sp) {
				out.candidates = append(out.candidates, sp)
			}
		}
	}
	slices.SortFunc(out.candidates, func(a, b *models.Specification) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// stillFree returns the candidates none of whose conflicts is OPEN, once
// the closed ones are counted as closed.
func stillFree(candidates []*models.Specification, conflictsOf map[int64][]*models.Conflict, closed []int64) []*models.Specification {
	var out []*models.Specification
	for _, sp := range candidates {
		free := true
		for _, c := range conflictsOf[sp.ID] {
			if c.Status == models.ConflictStatusOpen && !slices.Contains(closed, c.ID) {
				free = false
			}
		}
		if free {
			out = append(out, sp)
		}
	}
	return out
}

func live(sp *models.Specification) bool {
	return sp.Status == models.SpecStatusCurrent || sp.Status == models.SpecStatusPending
}

func conflictIDs(cs []*models.Conflict) []int64 {
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return ids
}

// promote checks freed PENDING specifications against the project's
// CURRENT ones, makes those that raise nothing CURRENT and opens the
// conflicts the others raise. It returns the promoted specifications and
// the new conflicts.
func (s *Service) promote(ctx context.Context, p *models.Project, freed []*models.Specification, now time.Time) ([]*models.Specification, []*models.Conflict, error) {
	currents, err := s.store.ProjectSpecifications(ctx, p.ID, models.SpecStatusCurrent)
	if err != nil {
		return nil, nil, err
	}
	plan := planPromotion(p.ID, currents, freed, now)
	ids := make([]int64, len(plan.promoted))
	for i, sp := range plan.promoted {
		sp.Status, sp.UpdatedAt = models.SpecStatusCurrent, now
		ids[i] = sp.ID
	}
	if err := s.store.SetSpecificationsStatus(ctx, ids, models.SpecStatusCurrent, now); err != nil {
		return nil, nil, err
	}
	if err := s.store.CreateConflicts(ctx, plan.conflicts, plan.links); err != nil {
		return nil, nil, err
	}
	return plan.promoted, plan.conflicts, nil
}

// promotionPlan is what bringing stored specifications into the current
// set writes: those that become CURRENT, and the conflicts of the others
// with their links.
type promotionPlan struct {
	promoted  []*models.Specification
	conflicts []*models.Conflict
	links     [][]models.ConflictSpecification
}

// planPromotion decides, without I/O, which of the candidates (stored
// specifications, in order) can become CURRENT beside the current ones:
// each is checked as a new specification would be, against the current
// ones and the candidates promoted before it. Those that conflict stay
// out, with the conflicts they raise.
func planPromotion(projectID int64, currents, candidates []*models.Specification, now time.Time) promotionPlan {
	var out promotionPlan
	var existing []socratic.SpecView
	requirements := 0
	for _, c := range currents {
		existing = append(existing, view(c))
		if c.Category == models.SpecCategoryRequirements {
			requirements++
		}
	}
	var rec recordPlan
	for _, sp := range candidates {
		findings := detect(view(sp), existing, nil, requirements)
		if len(findings) > 0 {
			rec.add(projectID, sp.ID, findings, now)
			continue
		}
		out.promoted = append(out.promoted, sp)
		existing = append(existing, view(sp))
		if sp.Category == models.SpecCategoryRequirements {
			requirements++
		}
	}
	out.conflicts, out.links = rec.conflicts, rec.links
	return out
}

// current returns the CURRENT specifications of specs.
func current(specs []*models.Specification) []*models.Specification {
	var out []*models.Specification
	for _, sp := range specs {
		if sp.Status == models.SpecStatusCurrent {
			out = append(out, sp)
		}
	}
	return out
}

// describeSpec names a specification in notes and activity: its id, key
// and value (shortened).
func describeSpec(sp *models.Specification) string {
	value := sp.Value
	if utf8.RuneCountInString(value) > 100 {
		value = string([]rune(value)[:100]) + "…"
	}
	return fmt.Sprintf("specification %s (%s = %q)", sp.GlobalID(), sp.Key, strings.TrimSpace(value))
}

// recordActivity writes a project activity entry inside the caller's
// transaction.
func (s *Service) recordActivity(ctx context.Context, action string, projectID, actorID int64, details string) error {
	return s.store.CreateActivity(ctx, &models.Activity{ActorID: &actorID, Action: action, ProjectID: &projectID,
		Details: &details, CreatedAt: s.now()})
}
