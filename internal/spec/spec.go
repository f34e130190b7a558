// Package spec keeps a project's specifications and conflicts: it records
// new specifications (checking each against the current ones and storing a
// conflicting one as PENDING, linked to its conflict), lets people add and
// edit specifications by hand, resolves conflicts without losing anything,
// recomputes maturity and gates phase changes.
package spec

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"socrates/internal/access"
	"socrates/internal/apperr"
	"socrates/internal/clock"
	"socrates/internal/page"
	"socrates/internal/socratic"
	"socrates/internal/store"
	"socrates/internal/validate"
	"socrates/models"
)

// Reader reads objects and lists, batched within an operation.
type Reader interface {
	Specification(ctx context.Context, id int64) (*models.Specification, error)
	Conflict(ctx context.Context, id int64) (*models.Conflict, error)
	Specifications(ctx context.Context, projectID int64, f store.SpecFilter, args page.Args) (*models.SpecificationConnection, error)
	Conflicts(ctx context.Context, projectID int64, f store.ConflictFilter, args page.Args) (*models.ConflictConnection, error)
	ConflictCount(ctx context.Context, projectID int64, f store.ConflictFilter) (int, error)
	CategoryScores(ctx context.Context, projectID int64) (map[models.SpecCategory]socratic.CategoryScore, error)
}

// Projects locks a project inside a transaction after checking access.
type Projects interface {
	Locked(ctx context.Context, id int64, need access.Permission) (*models.Project, error)
}

// Publisher delivers events after commit.
type Publisher interface {
	PublishEvent(ctx context.Context, e *models.Event)
}

// Service implements the specification and conflict operations.
type Service struct {
	store    *store.Store
	policy   *access.Policy
	read     Reader
	projects Projects
	events   Publisher
	now      clock.Clock
}

// NewService returns a specification service.
func NewService(s *store.Store, policy *access.Policy, read Reader, projects Projects, events Publisher, now clock.Clock) *Service {
	return &Service{store: s, policy: policy, read: read, projects: projects, events: events, now: now}
}

// Origin says where recorded specifications come from.
type Origin struct {
	Source     models.SpecSource
	UserID     int64
	SessionID  *int64
	QuestionID *int64
	MessageID  *int64
	// Reported are conflicts a language model found between the found
	// specifications and current ones, checked again when recorded.
	Reported []socratic.Reported
}

// Recorded is what recording specifications changed.
type Recorded struct {
	Specifications []*models.Specification
	Conflicts      []*models.Conflict
	// Scores is the project's evidence per category once recorded, from
	// which its maturity follows.
	Scores map[models.SpecCategory]socratic.CategoryScore
	// Closed are conflicts the change closed (set by corrections).
	Closed []*models.Conflict
	// Dropped says which of the origin's reported conflicts were not
	// recorded and why (a specification no longer CURRENT, a found one
	// not recorded), for the caller's log.
	Dropped []string
}

// Record stores found specifications for a project locked by the caller's
// transaction. Each is checked against the project's current
// specifications (and those recorded before it from the same text); one
// that conflicts is stored PENDING and linked to its conflicts. Exact
// repeats of a current or pending specification are skipped. The new
// specifications are written in one statement, their conflicts in one
// and the links in one, whatever their number.
func (s *Service) Record(ctx context.Context, p *models.Project, found []socratic.Extracted, o Origin) (Recorded, error) {
	known, err := s.store.ProjectSpecifications(ctx, p.ID, models.SpecStatusCurrent, models.SpecStatusPending)
	if err != nil {
		return Recorded{}, err
	}
	plan := planRecord(p.ID, known, found, o, s.now())
	if err := s.store.CreateSpecifications(ctx, plan.specs); err != nil {
		return Recorded{}, err
	}
	// A finding names a specification recorded here by its place among
	// the new ones (a negative ref), known only now that it has an id.
	for _, links := range plan.links {
		for i, l := range links {
			if l.SpecificationID < 0 {
				links[i].SpecificationID = plan.specs[-l.SpecificationID-1].ID
			}
		}
	}
	if err := s.store.CreateConflicts(ctx, plan.conflicts, plan.links); err != nil {
		return Recorded{}, err
	}
	return Recorded{Specifications: plan.specs, Conflicts: plan.conflicts, Scores: socratic.Scores(append(known, plan.specs...)), Dropped: plan.dropped}, nil
}

// recordPlan is what recording found specifications writes: the new
// specifications, their conflicts and each conflict's links, in which a
// new specification is named -(its index + 1).
type recordPlan struct {
	specs     []*models.Specification
	conflicts []*models.Conflict
	links     [][]models.ConflictSpecification
	dropped   []string
}

// planRecord decides, without I/O, what recording found specifications
// against the known (current and pending) ones writes.
func planRecord(projectID int64, known []*models.Specification, found []socratic.Extracted, o Origin, now time.Time) recordPlan {
	var out recordPlan
	var existing, siblings []socratic.SpecView
	requirements := 0
	for _, k := range known {
		if k.Status == models.SpecStatusCurrent {
			existing = append(existing, view(k))
			if k.Category == models.SpecCategoryRequirements {
				requirements++
			}
		}
	}
	current := map[int64]bool{}
	for _, e := range existing {
		current[e.Ref] = true
	}
	seen := append([]*models.Specification(nil), known...)
	for i, f := range found {
		if repeated(f, seen) != nil {
			out.dropReported(i, o.Reported, "the found specification repeats a known one and was not recorded")
			continue
		}
		findings := detect(socratic.SpecView{Category: f.Category, Key: f.Key, Value: f.Value}, existing, siblings, requirements)
		findings = out.merge(i, findings, o.Reported, current)
		sp := &models.Specification{
			ProjectID: projectID, QuestionID: o.QuestionID, MessageID: o.MessageID, Category: f.Category,
			Key: f.Key, Value: f.Value, Content: f.Content, Source: o.Source, Confidence: clamp(f.Confidence),
			Reasoning: nonEmpty(f.Reasoning), Status: models.SpecStatusCurrent, CreatedByID: &o.UserID,
			CreatedAt: now, UpdatedAt: now,
		}
		if sp.Content == "" {
			sp.Content = strings.ReplaceAll(sp.Key, "_", " ") + ": " + sp.Value + "."
		}
		if len(findings) > 0 {
			sp.Status = models.SpecStatusPending
		}
		ref := -int64(len(out.specs) + 1)
		seen = append(seen, sp)
		out.specs = append(out.specs, sp)
		if sp.Status == models.SpecStatusCurrent {
			siblings = append(siblings, socratic.SpecView{Ref: ref, Category: sp.Category, Key: sp.Key, Value: sp.Value})
			if sp.Category == models.SpecCategoryRequirements {
				requirements++
			}
		}
		out.add(projectID, ref, findings, now)
	}
	return out
}

// merge adds to the rules' findings about found specification i the
// conflicts a model reported about it, each naming only the CURRENT
// specifications (current) that no rule already paired with it: a pair
// the rules found is not recorded twice. A reported conflict left naming
// nothing is dropped, and noted when its specifications are gone.
func (p *recordPlan) merge(i int, findings []socratic.Finding, reported []socratic.Reported, current map[int64]bool) []socratic.Finding {
	paired := map[int64]bool{}
	for _, fd := range findings {
		for _, e := range fd.Existing {
			paired[e] = true
		}
	}
	for _, r := range reported {
		if r.New != i {
			continue
		}
		var keep, gone []int64
		for _, e := range r.Existing {
			switch {
			case !current[e]:
				gone = append(gone, e)
			case !paired[e]:
				keep = append(keep, e)
				paired[e] = true
			}
		}
		if len(gone) > 0 {
			p.dropped = append(p.dropped, fmt.Sprintf("reported conflict %q: specifications %v are no longer CURRENT", r.Description, gone))
		}
		if len(keep) == 0 {
			continue
		}
		fd := r.Finding
		fd.Rule, fd.Existing = socratic.RuleModel, keep
		findings = append(findings, fd)
	}
	return findings
}

// dropReported notes the reported conflicts about found specification i,
// which is not recorded, and why.
func (p *recordPlan) dropReported(i int, reported []socratic.Reported, why string) {
	for _, r := range reported {
		if r.New == i {
			p.dropped = append(p.dropped, fmt.Sprintf("reported conflict %q: %s", r.Description, why))
		}
	}
}

// add appends the conflicts of findings about the specification ref.
func (p *recordPlan) add(projectID, ref int64, findings []socratic.Finding, now time.Time) {
	for _, fd := range findings {
		p.conflicts = append(p.conflicts, &models.Conflict{
			ProjectID: projectID, Type: fd.Type, Severity: fd.Severity, Status: models.ConflictStatusOpen,
			Rule: fd.Rule, Description: fd.Description, DetectedAt: now,
		})
		links := []models.ConflictSpecification{{SpecificationID: ref, Role: models.ConflictRoleNew}}
		for _, e := range fd.Existing {
			links = append(links, models.ConflictSpecification{SpecificationID: e, Role: models.ConflictRoleExisting})
		}
		p.links = append(p.links, links)
	}
}

// detect checks a specification against the current ones (existing),
// those found beside it (siblings) and the number of current
// requirements.
func detect(n socratic.SpecView, existing, siblings []socratic.SpecView, requirements int) []socratic.Finding {
	findings := socratic.Detect(n, existing, siblings)
	if fs := socratic.DetectScope(n, requirements, existing); fs != nil && !hasRule(findings, fs.Rule) {
		findings = append(findings, *fs)
	}
	return findings
}

func view(sp *models.Specification) socratic.SpecView {
	return socratic.SpecView{Ref: sp.ID, Category: sp.Category, Key: sp.Key, Value: sp.Value}
}

// repeated returns the known specification that f repeats, if any.
func repeated(f socratic.Extracted, known []*models.Specification) *models.Specification {
	norm := socratic.NormalizeValue(f.Key, f.Value)
	for _, k := range known {
		if k.Category == f.Category && k.Key == f.Key && socratic.NormalizeValue(k.Key, k.Value) == norm {
			return k
		}
	}
	return nil
}

func hasRule(fs []socratic.Finding, rule string) bool {
	for _, f := range fs {
		if f.Rule == rule {
			return true
		}
	}
	return false
}

func clamp(c float64) float64 { return math.Max(0, math.Min(1, c)) }

func nonEmpty(s string) *string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return &s
}

// Rescore recomputes a locked project's maturity from its current
// specifications, inside the caller's transaction, and returns the
// previous value.
func (s *Service) Rescore(ctx context.Context, p *models.Project) (int, error) {
	scores, err := s.store.CategoryScores(ctx, []int64{p.ID})
	if err != nil {
		return 0, err
	}
	return s.SetMaturity(ctx, p, scores[p.ID])
}

// SetMaturity sets a locked project's maturity from its evidence per
// category, written when the caller's transaction commits, and returns
// the previous value.
func (s *Service) SetMaturity(ctx context.Context, p *models.Project, scores map[models.SpecCategory]socratic.CategoryScore) (int, error) {
	prev := p.Maturity
	p.Maturity = socratic.Maturity(scores)
	p.UpdatedAt = s.now()
	if err := s.store.SetMaturityAtCommit(ctx, p); err != nil {
		return prev, err
	}
	return prev, nil
}

// Announce publishes what a change to specifications did: the
// specifications, conflicts closed, conflicts detected and a maturity
// change, in that order.
func (s *Service) Announce(ctx context.Context, p *models.Project, sessionID *int64, question *models.Question, rec Recorded, prevMaturity int) {
	if len(rec.Specifications) > 0 {
		s.events.PublishEvent(ctx, &models.Event{Type: models.SessionEventTypeSpecificationsExtracted, ProjectID: p.ID, SessionID: sessionID,
			Project: p, Question: question, Specifications: rec.Specifications})
	}
	if len(rec.Closed) > 0 {
		s.events.PublishEvent(ctx, &models.Event{Type: models.SessionEventTypeConflictResolved, ProjectID: p.ID, SessionID: sessionID,
			Project: p, Question: question, Specifications: rec.Specifications, Conflicts: rec.Closed})
	}
	if len(rec.Conflicts) > 0 {
		s.events.PublishEvent(ctx, &models.Event{Type: models.SessionEventTypeConflictDetected, ProjectID: p.ID, SessionID: sessionID,
			Project: p, Question: question, Specifications: rec.Specifications, Conflicts: rec.Conflicts})
	}
	if p.Maturity != prevMaturity {
		prev := prevMaturity
		s.events.PublishEvent(ctx, &models.Event{Type: models.SessionEventTypeMaturityChanged, ProjectID: p.ID, SessionID: sessionID,
			Project: p, PreviousMaturity: &prev})
	}
}

// Limits on specification text.
const (
	MaxValue  = 2000
	MaxText   = 2000
	maxSearch = 200
)

var snakeKey = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// AddInput is a specification recorded by hand.
type AddInput struct {
	Category   models.SpecCategory
	Key        string
	Value      string
	Confidence *float64
	Content    *string
	Reasoning  *string
}

// Change is the outcome of a specification mutation.
type Change struct {
	Specification *models.Specification
	Previous      *models.Specification
	Conflicts     []*models.Conflict
	Project       *models.Project
}

// Add records a specification by hand.
func (s *Service) Add(ctx context.Context, projectID int64, in AddInput) (*Change, error) {
	if _, err := access.RequireUser(ctx); err != nil {
		return nil, err
	}
	v := &apperr.Validation{}
	if !in.Category.IsValid() {
		v.Add("category", apperr.CodeInvalid, "category %q is not a specification category", in.Category)
	}
	key := validate.Text(v, "key", in.Key, 1, 100)
	if key != "" && !snakeKey.MatchString(key) {
		v.Add("key", apperr.CodeInvalid, "key must be snake_case: lower-case letters, digits and underscores, starting with a letter")
	}
	value := validate.Text(v, "value", in.Value, 1, MaxValue)
	conf := confidence(v, in.Confidence, 1)
	content := validate.OptionalText(v, "content", in.Content, MaxText)
	reasoning := validate.OptionalText(v, "reasoning", in.Reasoning, MaxText)
	if err := v.Err(); err != nil {
		return nil, err
	}
	f := socratic.Extracted{Category: in.Category, Key: key, Value: value, Confidence: conf}
	if content != nil {
		f.Content = *content
	}
	if reasoning != nil {
		f.Reasoning = *reasoning
	}
	return store.InTx(ctx, s.store, func(ctx context.Context) (*Change, error) {
		p, err := s.writable(ctx, projectID)
		if err != nil {
			return nil, err
		}
		known, err := s.store.ProjectSpecifications(ctx, p.ID, models.SpecStatusCurrent, models.SpecStatusPending)
		if err != nil {
			return nil, err
		}
		if k := repeated(f, known); k != nil {
			return nil, apperr.Invalid("value", apperr.CodeDuplicate, "the project already has %s = %q (%s)", k.Key, k.Value, k.Status)
		}
		rec, err := s.Record(ctx, p, []socratic.Extracted{f}, Origin{Source: models.SpecSourceUserInput, UserID: access.MustUser(ctx).UserID})
		if err != nil {
			return nil, err
		}
		prev, err := s.Rescore(ctx, p)
		if err != nil {
			return nil, err
		}
		s.Announce(ctx, p, nil, nil, rec, prev)
		return &Change{Specification: rec.Specifications[0], Conflicts: rec.Conflicts, Project: p}, nil
	})
}

func confidence(v *apperr.Validation, c *float64, def float64) float64 {
	if c == nil {
		return def
	}
	if math.IsNaN(*c) || *c < 0 || *c > 1 {
		v.Add("confidence", apperr.CodeInvalid, "confidence must be between 0 and 1")
		return def
	}
	return *c
}

// writable locks a project the viewer may write and checks it is not archived.
func (s *Service) writable(ctx context.Context, projectID int64) (*models.Project, error) {
	p, err := s.projects.Locked(ctx, projectID, access.Write)
	if err != nil {
		return nil, err
	}
	if p.Status == models.ProjectStatusArchived {
		return nil, apperr.Invalid("projectId", apperr.CodeInvalidState, "the project is archived; restore it first")
	}
	return p, nil
}

// Update replaces a CURRENT specification with a new one that supersedes
// it. The new one is checked against the project's other specifications
// and is PENDING if it conflicts with them.
func (s *Service) Update(ctx context.Context, specID int64, value *string, conf *float64) (*Change, error) {
	if _, err := access.RequireUser(ctx); err != nil {
		return nil, err
	}
	v := &apperr.Validation{}
	if value == nil && conf == nil {
		v.Add("", apperr.CodeRequired, "give a new value or a new confidence")
	}
	newValue := ""
	if value != nil {
		newValue = validate.Text(v, "value", *value, 1, MaxValue)
	}
	c := confidence(v, conf, 0)
	if err := v.Err(); err != nil {
		return nil, err
	}
	// Find the project before the transaction: reading through the pool
	// inside it would hold two connections at once.
	peek, err := s.read.Specification(ctx, specID)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "specification")
	}
	return store.InTx(ctx, s.store, func(ctx context.Context) (*Change, error) {
		p, old, err := s.writableSpecification(ctx, peek.ProjectID, specID)
		if err != nil {
			return nil, err
		}
		if old.Status != models.SpecStatusCurrent {
			return nil, apperr.Invalid("specificationId", apperr.CodeInvalidState, "only a CURRENT specification can be updated; this one is %s", old.Status)
		}
		if value == nil {
			newValue = old.Value
		}
		if conf == nil {
			c = old.Confidence
		}
		if newValue == old.Value && c == old.Confidence {
			return nil, apperr.Invalid("value", apperr.CodeInvalid, "nothing would change")
		}
		now := s.now()
		old.Status, old.UpdatedAt = models.SpecStatusSuperseded, now
		if err := s.store.UpdateSpecification(ctx, old, "status", "updated_at"); err != nil {
			return nil, err
		}
		content := strings.ReplaceAll(old.Key, "_", " ") + ": " + newValue + "."
		rec, err := s.Record(ctx, p, []socratic.Extracted{{Category: old.Category, Key: old.Key, Value: newValue, Content: content,
			Confidence: c, Reasoning: "Edited by hand, replacing \"" + old.Value + "\"."}},
			Origin{Source: models.SpecSourceUserInput, UserID: access.MustUser(ctx).UserID})
		if err != nil {
			return nil, err
		}
		if len(rec.Specifications) == 0 {
			return nil, apperr.Invalid("value", apperr.CodeDuplicate, "the project already has %s = %q", old.Key, newValue)
		}
		next := rec.Specifications[0]
		old.SupersededByID = &next.ID
		if err := s.store.UpdateSpecification(ctx, old, "superseded_by_id"); err != nil {
			return nil, err
		}
		prev, err := s.Rescore(ctx, p)
		if err != nil {
			return nil, err
		}
		rec.Specifications = append(rec.Specifications, old)
		s.Announce(ctx, p, nil, nil, rec, prev)
		return &Change{Specification: next, Previous: old, Conflicts: rec.Conflicts, Project: p}, nil
	})
}

// writableSpecification locks the project of a specification for a
// writer (inside the caller's transaction) and reads the specification;
// a project the viewer may not write hides as the specification's
// NOT_FOUND.
func (s *Service) writableSpecification(ctx context.Context, projectID, specID int64) (*models.Project, *models.Specification, error) {
	p, err := s.writable(ctx, projectID)
	if err != nil {
		return nil, nil, apperr.NotFoundAs(err, "specification")
	}
	sp, err := s.store.SpecificationForUpdate(ctx, specID)
	if err != nil {
		return nil, nil, apperr.NotFoundAs(err, "specification")
	}
	return p, sp, nil
}

// Resolution is the outcome of resolving a conflict.
type Resolution struct {
	Conflict       *models.Conflict
	Specifications []*models.Specification
	Project        *models.Project
}

// Resolve decides an OPEN conflict:
//   - KEEP_OLD: the new (PENDING) specifications become REJECTED;
//   - REPLACE: the existing CURRENT ones become SUPERSEDED by the new one,
//     which becomes CURRENT;
//   - MERGE: a new CURRENT specification with mergedValue supersedes all;
//   - IGNORE: the new ones become CURRENT beside the old; the conflict is IGNORED.
func (s *Service) Resolve(ctx context.Context, conflictID int64, res models.ConflictResolution, note, mergedValue *string) (*Resolution, error) {
	pr, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	v := &apperr.Validation{}
	if !res.IsValid() {
		v.Add("resolution", apperr.CodeInvalid, "resolution %q is not one of KEEP_OLD, REPLACE, MERGE, IGNORE", res)
	}
	note = validate.OptionalText(v, "note", note, MaxText)
	merged := ""
	if res == models.ConflictResolutionMerge {
		if mergedValue == nil || strings.TrimSpace(*mergedValue) == "" {
			v.Add("mergedValue", apperr.CodeRequired, "MERGE needs mergedValue, the value that replaces both")
		} else {
			merged = validate.Text(v, "mergedValue", *mergedValue, 1, MaxValue)
		}
	} else if mergedValue != nil && strings.TrimSpace(*mergedValue) != "" {
		v.Add("mergedValue", apperr.CodeInvalid, "mergedValue is only used with MERGE")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	peek, err := s.read.Conflict(ctx, conflictID)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "conflict")
	}
	return store.InTx(ctx, s.store, func(ctx context.Context) (*Resolution, error) {
		p, err := s.writable(ctx, peek.ProjectID)
		if err != nil {
			return nil, apperr.NotFoundAs(err, "conflict")
		}
		c, err := s.store.ConflictForUpdate(ctx, conflictID)
		if err != nil {
			return nil, apperr.NotFoundAs(err, "conflict")
		}
		if c.Status != models.ConflictStatusOpen {
			return nil, apperr.Invalid("conflictId", apperr.CodeInvalidState, "the conflict is already %s", c.Status)
		}
		links, err := s.store.ConflictLinks(ctx, []int64{c.ID})
		if err != nil {
			return nil, err
		}
		var olds, news []*models.Specification
		for _, l := range links[c.ID] {
			sp, err := s.store.SpecificationForUpdate(ctx, l.SpecificationID)
			if err != nil {
				return nil, err
			}
			if l.Role == models.ConflictRoleNew {
				news = append(news, sp)
			} else {
				olds = append(olds, sp)
			}
		}
		now := s.now()
		changed, err := s.apply(ctx, p, res, olds, news, merged, pr.UserID)
		if err != nil {
			return nil, err
		}
		closed, err := s.closeMoot(ctx, c.ID, news)
		if err != nil {
			return nil, err
		}
		c.Status = models.ConflictStatusResolved
		if res == models.ConflictResolutionIgnore {
			c.Status = models.ConflictStatusIgnored
		}
		name := string(res)
		c.ResolutionName, c.ResolutionNote, c.ResolvedByID, c.ResolvedAt = &name, note, &pr.UserID, &now
		if err := s.store.UpdateConflict(ctx, c, "status", "resolution", "resolution_note", "resolved_by_id", "resolved_at"); err != nil {
			return nil, err
		}
		prev, err := s.Rescore(ctx, p)
		if err != nil {
			return nil, err
		}
		sessionID, err := s.sessionOf(ctx, news)
		if err != nil {
			return nil, err
		}
		s.events.PublishEvent(ctx, &models.Event{Type: models.SessionEventTypeConflictResolved, ProjectID: p.ID, SessionID: sessionID,
			Project: p, Conflicts: append([]*models.Conflict{c}, closed...), Specifications: changed})
		if p.Maturity != prev {
			s.events.PublishEvent(ctx, &models.Event{Type: models.SessionEventTypeMaturityChanged, ProjectID: p.ID, SessionID: sessionID,
				Project: p, PreviousMaturity: &prev})
		}
		return &Resolution{Conflict: c, Specifications: changed, Project: p}, nil
	})
}

// closeMoot resolves the other OPEN conflicts whose new specifications this
// resolution rejected or superseded: nothing is left for them to decide.
// It returns the conflicts it closed.
func (s *Service) closeMoot(ctx context.Context, resolvedID int64, news []*models.Specification) ([]*models.Conflict, error) {
	var gone []int64
	for _, sp := range news {
		if sp.Status == models.SpecStatusRejected || sp.Status == models.SpecStatusSuperseded {
			gone = append(gone, sp.ID)
		}
	}
	if len(gone) == 0 {
		return nil, nil
	}
	byspec, err := s.store.ConflictsOfSpecifications(ctx, gone)
	if err != nil {
		return nil, err
	}
	now := s.now()
	seen := map[int64]bool{resolvedID: true}
	var closed []*models.Conflict
	for _, cs := range byspec {
		for _, other := range cs {
			if seen[other.ID] || other.Status != models.ConflictStatusOpen {
				continue
			}
			seen[other.ID] = true
			links, err := s.store.ConflictLinks(ctx, []int64{other.ID})
			if err != nil {
				return nil, err
			}
			moot := true
			for _, l := range links[other.ID] {
				if l.Role == models.ConflictRoleNew && !slices.Contains(gone, l.SpecificationID) {
					moot = false
				}
			}
			if !moot {
				continue
			}
			name := string(models.ConflictResolutionKeepOld)
			note := fmt.Sprintf("Closed with conflict %d: its new specification is no longer pending.", resolvedID)
			other.Status, other.ResolutionName, other.ResolutionNote, other.ResolvedAt = models.ConflictStatusResolved, &name, &note, &now
			other.ResolvedByID = &access.MustUser(ctx).UserID
			if err := s.store.UpdateConflict(ctx, other, "status", "resolution", "resolution_note", "resolved_by_id", "resolved_at"); err != nil {
				return nil, err
			}
			closed = append(closed, other)
		}
	}
	return closed, nil
}

// sessionOf returns the session the first of specs came from (through its
// question or message), so that the session's watchers hear how its
// conflict ended; nil for specifications added by hand.
func (s *Service) sessionOf(ctx context.Context, specs []*models.Specification) (*int64, error) {
	for _, sp := range specs {
		switch {
		case sp.QuestionID != nil:
			q, err := s.store.QuestionsByIDs(ctx, []int64{*sp.QuestionID})
			if err != nil || len(q) == 0 {
				return nil, err
			}
			return &q[0].SessionID, nil
		case sp.MessageID != nil:
			m, err := s.store.MessagesByIDs(ctx, []int64{*sp.MessageID})
			if err != nil || len(m) == 0 {
				return nil, err
			}
			return &m[0].SessionID, nil
		}
	}
	return nil, nil
}

// apply changes the specifications of a conflict as the resolution says
// and returns those it changed or created.
func (s *Service) apply(ctx context.Context, p *models.Project, res models.ConflictResolution, olds, news []*models.Specification, merged string, userID int64) ([]*models.Specification, error) {
	now := s.now()
	var changed []*models.Specification
	set := func(sp *models.Specification, status models.SpecStatus, by *int64) error {
		sp.Status, sp.UpdatedAt = status, now
		cols := []string{"status", "updated_at"}
		if by != nil {
			sp.SupersededByID = by
			cols = append(cols, "superseded_by_id")
		}
		changed = append(changed, sp)
		return s.store.UpdateSpecification(ctx, sp, cols...)
	}
	pending := func(sps []*models.Specification) []*models.Specification {
		var out []*models.Specification
		for _, sp := range sps {
			if sp.Status == models.SpecStatusPending {
				out = append(out, sp)
			}
		}
		return out
	}
	current := func(sps []*models.Specification) []*models.Specification {
		var out []*models.Specification
		for _, sp := range sps {
			if sp.Status == models.SpecStatusCurrent {
				out = append(out, sp)
			}
		}
		return out
	}
	switch res {
	case models.ConflictResolutionKeepOld:
		for _, sp := range pending(news) {
			if err := set(sp, models.SpecStatusRejected, nil); err != nil {
				return nil, err
			}
		}
	case models.ConflictResolutionReplace:
		winner := news[0]
		for _, sp := range pending(news) {
			if err := set(sp, models.SpecStatusCurrent, nil); err != nil {
				return nil, err
			}
		}
		for _, sp := range current(olds) {
			if err := set(sp, models.SpecStatusSuperseded, &winner.ID); err != nil {
				return nil, err
			}
		}
	case models.ConflictResolutionMerge:
		base := news[0]
		conf := base.Confidence
		for _, sp := range olds {
			conf = math.Max(conf, sp.Confidence)
		}
		m := &models.Specification{
			ProjectID: p.ID, Category: base.Category, Key: base.Key, Value: merged,
			Content: strings.ReplaceAll(base.Key, "_", " ") + ": " + merged + ".",
			Source:  models.SpecSourceUserInput, Confidence: conf, Status: models.SpecStatusCurrent,
			Reasoning:   nonEmpty(fmt.Sprintf("Merged from %d conflicting specifications.", len(olds)+len(news))),
			CreatedByID: &userID, CreatedAt: now, UpdatedAt: now,
		}
		if err := s.store.CreateSpecification(ctx, m); err != nil {
			return nil, err
		}
		changed = append(changed, m)
		for _, sp := range append(current(olds), pending(news)...) {
			if err := set(sp, models.SpecStatusSuperseded, &m.ID); err != nil {
				return nil, err
			}
		}
	case models.ConflictResolutionIgnore:
		for _, sp := range pending(news) {
			if err := set(sp, models.SpecStatusCurrent, nil); err != nil {
				return nil, err
			}
		}
	}
	return changed, nil
}

// AdvancePhase moves a project to its next phase when the gate is met; a
// refusal names the failed condition.
func (s *Service) AdvancePhase(ctx context.Context, projectID int64, phase models.ProjectPhase) (*models.Project, error) {
	if _, err := access.RequireUser(ctx); err != nil {
		return nil, err
	}
	if !phase.IsValid() {
		return nil, apperr.Invalid("phase", apperr.CodeInvalid, "%q is not a phase", phase)
	}
	return store.InTx(ctx, s.store, func(ctx context.Context) (*models.Project, error) {
		p, err := s.writable(ctx, projectID)
		if err != nil {
			return nil, err
		}
		open, err := s.store.ConflictCounts(ctx, []int64{p.ID}, OpenConflicts())
		if err != nil {
			return nil, err
		}
		if why := socratic.PhaseGate(p.Phase, phase, p.Maturity, open[p.ID]); why != "" {
			return nil, apperr.Invalid("phase", apperr.CodePhaseGate, "cannot move to %s: %s", phase, why)
		}
		p.Phase, p.UpdatedAt = phase, s.now()
		if err := s.store.UpdateProject(ctx, p, "phase", "updated_at"); err != nil {
			return nil, err
		}
		return p, nil
	})
}

// ListInput selects specifications of a project.
type ListInput struct {
	Page     page.Args
	Category *models.SpecCategory
	Status   *models.SpecStatus
	Search   *string
}

// Filter checks the input's filter arguments and returns the store filter
// they select.
func (in ListInput) Filter() (store.SpecFilter, error) {
	f := store.SpecFilter{Category: deref(in.Category), Status: deref(in.Status)}
	if in.Search != nil {
		if len([]rune(*in.Search)) > maxSearch {
			return f, apperr.BadInputf("search must be at most %d characters", maxSearch)
		}
		f.Search = strings.TrimSpace(*in.Search)
	}
	return f, nil
}

// ConflictFilter returns the store filter of a conflict list's arguments.
func ConflictFilter(status *models.ConflictStatus, sev *models.ConflictSeverity) store.ConflictFilter {
	return store.ConflictFilter{Status: deref(status), Severity: deref(sev)}
}

// OpenConflicts selects the OPEN conflicts of a project.
func OpenConflicts() store.ConflictFilter {
	return store.ConflictFilter{Status: models.ConflictStatusOpen}
}

// deref returns *p, or the zero value (no filter) when p is nil.
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// ForProject returns a page of a project the viewer may read.
func (s *Service) ForProject(ctx context.Context, p *models.Project, in ListInput) (*models.SpecificationConnection, error) {
	f, err := in.Filter()
	if err != nil {
		return nil, err
	}
	return s.read.Specifications(ctx, p.ID, f, in.Page)
}

// ConflictsForProject returns a page of a project's conflicts.
func (s *Service) ConflictsForProject(ctx context.Context, p *models.Project, args page.Args, status *models.ConflictStatus, sev *models.ConflictSeverity) (*models.ConflictConnection, error) {
	return s.read.Conflicts(ctx, p.ID, ConflictFilter(status, sev), args)
}

// OpenConflictCount counts a project's OPEN conflicts.
func (s *Service) OpenConflictCount(ctx context.Context, p *models.Project) (int, error) {
	return s.read.ConflictCount(ctx, p.ID, OpenConflicts())
}

// Coverage reports the ten categories of a project.
func (s *Service) Coverage(ctx context.Context, p *models.Project) ([]*models.CategoryCoverage, error) {
	scores, err := s.read.CategoryScores(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	return socratic.Coverage(scores), nil
}

// Quality returns the quality controller's report on a project.
func (s *Service) Quality(ctx context.Context, p *models.Project) (*models.QualityReport, error) {
	scores, err := s.read.CategoryScores(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	open, err := s.OpenConflictCount(ctx, p)
	if err != nil {
		return nil, err
	}
	return socratic.Report(scores, open), nil
}

// Get returns a specification the viewer may read.
func (s *Service) Get(ctx context.Context, id int64) (*models.Specification, error) {
	sp, err := s.read.Specification(ctx, id)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "specification")
	}
	if _, err := s.policy.Readable(ctx, sp.ProjectID, "specification"); err != nil {
		return nil, err
	}
	return sp, nil
}

// GetConflict returns a conflict the viewer may read.
func (s *Service) GetConflict(ctx context.Context, id int64) (*models.Conflict, error) {
	c, err := s.read.Conflict(ctx, id)
	if err != nil {
		return nil, apperr.NotFoundAs(err, "conflict")
	}
	if _, err := s.policy.Readable(ctx, c.ProjectID, "conflict"); err != nil {
		return nil, err
	}
	return c, nil
}
