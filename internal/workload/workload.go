// Package workload seeds the data of the nested read that integrators run
// (workload N): one user owning projects, each with sessions of answered
// questions, specifications and conflicts. The benchmark and the tests that
// measure query cost seed the same shape, straight into the database with
// bulk inserts, so that seeding takes seconds, not minutes of API calls.
package workload

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"socrates/models"
)

// Shape says how much data to seed.
type Shape struct {
	Projects           int
	SessionsEach       int
	QuestionsEach      int
	SpecificationsEach int
	ConflictsEach      int
}

// N is the shape of the benchmark's nested read: 20 projects, each with 5
// sessions of 10 questions, 50 specifications and 5 conflicts linking 2
// specifications each.
func N() Shape {
	return Shape{Projects: 20, SessionsEach: 5, QuestionsEach: 10, SpecificationsEach: 50, ConflictsEach: 5}
}

// Seeded is what Seed created.
type Seeded struct {
	User     *models.User
	Projects []*models.Project
}

// NestedQuery is query N as an integrator sends it: every project of the
// first page with its owner, sessions and their questions, current
// specifications, and conflicts with their specifications.
const NestedQuery = `query N { projects(first: 20) { nodes { id name description phase status maturity createdAt
  owner { id email name }
  sessions(first: 5) { nodes { id mode status startedAt
    questions(first: 10) { nodes { id text category askedAt answer answeredAt } } } }
  specifications(first: 50) { nodes { id category key value confidence status createdAt } }
  conflicts(first: 5) { nodes { id type severity status description detectedAt
    specifications { id key value status } } } } } }`

// SimpleQuery is query S: three scalars of each project of the first page.
const SimpleQuery = `{ projects(first: 20) { nodes { id name maturity } } }`

// Seed inserts a user with the given email and shape's data, in one
// transaction. passwordHash is stored as is (the caller decides whether the
// user can log in).
func Seed(ctx context.Context, db *bun.DB, email, passwordHash string, shape Shape) (*Seeded, error) {
	out := &Seeded{}
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = seed(ctx, tx, email, passwordHash, shape)
		return err
	})
	return out, err
}

func seed(ctx context.Context, tx bun.Tx, email, passwordHash string, shape Shape) (*Seeded, error) {
	base := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	at := func(minutes int) time.Time { return base.Add(time.Duration(minutes) * time.Minute) }
	name := "Bench User"
	u := &models.User{Email: email, Name: &name, PasswordHash: passwordHash, CreatedAt: base, UpdatedAt: base}
	if err := insert(ctx, tx, "user", u); err != nil {
		return nil, err
	}
	projects := make([]*models.Project, shape.Projects)
	for i := range projects {
		desc := fmt.Sprintf("Project %d: a platform that lets small clinics book appointments, send reminders and keep records.", i+1)
		n := fmt.Sprintf("Clinic platform %02d", i+1)
		projects[i] = &models.Project{OwnerID: u.ID, Name: n, NameKey: strings.ToLower(n), Description: &desc,
			Phase: models.ProjectPhaseDiscovery, Status: models.ProjectStatusActive, Maturity: 40 + i,
			CreatedAt: at(i), UpdatedAt: at(i)}
	}
	if err := insert(ctx, tx, "projects", &projects); err != nil {
		return nil, err
	}
	var sessions []*models.Session
	for _, p := range projects {
		for s := range shape.SessionsEach {
			t := at(100 + s)
			sessions = append(sessions, &models.Session{ProjectID: p.ID, StartedByID: u.ID, Mode: models.SessionModeSocratic,
				Status: models.SessionStatusActive, StartedAt: t, UpdatedAt: t})
		}
	}
	if err := insert(ctx, tx, "sessions", &sessions); err != nil {
		return nil, err
	}
	categories := models.AllSpecCategory
	var questions []*models.Question
	for _, s := range sessions {
		for q := range shape.QuestionsEach {
			c := categories[q%len(categories)]
			asked := at(200 + q)
			answered := asked.Add(time.Minute)
			answer := fmt.Sprintf("For %s we expect about %d thousand monthly users at launch, growing steadily; clinics need it to work on phones and on the front desk computer.", lower(string(c)), 10+q)
			questions = append(questions, &models.Question{SessionID: s.ID, ProjectID: s.ProjectID,
				Text:     fmt.Sprintf("What matters most about %s for the people who will use this system, and why does it matter to them?", lower(string(c))),
				Category: c, QualityScore: 1, AskedAt: asked, Answer: &answer, AnsweredAt: &answered, AnsweredByID: &u.ID})
		}
	}
	if err := insert(ctx, tx, "questions", &questions); err != nil {
		return nil, err
	}
	var specs []*models.Specification
	for _, p := range projects {
		for k := range shape.SpecificationsEach {
			c := categories[k%len(categories)]
			key := fmt.Sprintf("%s_item_%d", strings.ToLower(string(c)), k)
			value := fmt.Sprintf("value %d for %s", k, lower(string(c)))
			specs = append(specs, &models.Specification{ProjectID: p.ID, Category: c, Key: key, Value: value,
				Content: fmt.Sprintf("The %s is %s.", key, value), Source: models.SpecSourceExtracted,
				Confidence: 0.9, Status: models.SpecStatusCurrent, CreatedByID: &u.ID,
				CreatedAt: at(300 + k), UpdatedAt: at(300 + k)})
		}
	}
	if err := insert(ctx, tx, "specifications", &specs); err != nil {
		return nil, err
	}
	var conflicts []*models.Conflict
	var linked [][2]int64
	for pi, p := range projects {
		own := specs[pi*shape.SpecificationsEach : (pi+1)*shape.SpecificationsEach]
		for c := range shape.ConflictsEach {
			if 2*c+1 >= len(own) {
				break
			}
			conflicts = append(conflicts, &models.Conflict{ProjectID: p.ID, Type: models.ConflictTypeTechnology,
				Severity: models.ConflictSeverityMedium, Status: models.ConflictStatusOpen, Rule: "same_key",
				Description: fmt.Sprintf("%s and %s cannot both hold.", own[2*c].Key, own[2*c+1].Key), DetectedAt: at(400 + c)})
			linked = append(linked, [2]int64{own[2*c].ID, own[2*c+1].ID})
		}
	}
	if err := insert(ctx, tx, "conflicts", &conflicts); err != nil {
		return nil, err
	}
	links := make([]models.ConflictSpecification, 0, 2*len(conflicts))
	for i, c := range conflicts {
		links = append(links,
			models.ConflictSpecification{ConflictID: c.ID, SpecificationID: linked[i][0], Role: models.ConflictRoleExisting},
			models.ConflictSpecification{ConflictID: c.ID, SpecificationID: linked[i][1], Role: models.ConflictRoleNew})
	}
	if err := insert(ctx, tx, "conflict links", &links); err != nil {
		return nil, err
	}
	return &Seeded{User: u, Projects: projects}, nil
}

// insert adds rows (a model or a pointer to a slice of models) in one
// statement; an empty slice inserts nothing.
func insert(ctx context.Context, tx bun.Tx, what string, rows any) error {
	if v := reflect.ValueOf(rows).Elem(); v.Kind() == reflect.Slice && v.Len() == 0 {
		return nil
	}
	if _, err := tx.NewInsert().Model(rows).Exec(ctx); err != nil {
		return fmt.Errorf("seed %s: %w", what, err)
	}
	return nil
}

// lower turns an enum value such as DATA_RETENTION into "data retention".
func lower(s string) string { return strings.ReplaceAll(strings.ToLower(s), "_", " ") }
