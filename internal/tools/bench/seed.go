package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"socrates/internal/auth"
	"socrates/internal/socratic"
	"socrates/migrations"
	"socrates/models"
)

// The shape of the nested-read workload.
const (
	benchEmail          = "bench@example.com"
	benchProjects       = 20
	sessionsPerProject  = 5
	questionsPerSession = 10
	specsPerProject     = sessionsPerProject * questionsPerSession
	conflictsPerProject = 5
	askUserCount        = 32
	fanoutEmail         = "fanout@example.com"
	seedPassword        = "bench-password-123"
)

// seededUser is a user with one project and one SOCRATIC session, for the
// mutation workloads.
type seededUser struct {
	UserID    int64
	ProjectID int64
	SessionID int64
}

// Seeded says what seed created.
type Seeded struct {
	// BenchUserID owns the projects of the nested read.
	BenchUserID int64
	// ProjectIDs are the bench user's projects, newest first (the order
	// both servers must return).
	ProjectIDs []int64
	// AskUsers run the ask-and-answer workload, one project each.
	AskUsers []seededUser
	// Fanout is the user whose session the fan-out subscribers watch.
	Fanout seededUser
	// Rows counts the inserted rows.
	Rows int
	// Took is how long seeding took, migrations included.
	Took time.Duration
}

// migrateAndSeed applies the project's migrations to an empty database and
// seeds it.
func migrateAndSeed(ctx context.Context, db *bun.DB) (*Seeded, error) {
	start := time.Now()
	runner, err := migrations.NewRunner(db)
	if err != nil {
		return nil, err
	}
	if _, err := runner.Up(ctx); err != nil {
		return nil, err
	}
	s, err := seed(ctx, db, time.Now().UTC().Truncate(time.Microsecond))
	if err != nil {
		return nil, err
	}
	s.Took = time.Since(start)
	return s, nil
}

// insertAll bulk-inserts rows (a pointer to a slice of models) in one
// statement and checks that every row got its id back.
func insertAll[T any](ctx context.Context, db bun.IDB, what string, rows *[]T, id func(*T) int64) error {
	if len(*rows) == 0 {
		return nil
	}
	q := db.NewInsert().Model(rows)
	if id != nil {
		q = q.Returning("id")
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("insert %s: %w", what, err)
	}
	if id != nil {
		for i := range *rows {
			if id(&(*rows)[i]) == 0 {
				return fmt.Errorf("insert %s: row %d got no id", what, i)
			}
		}
	}
	return nil
}

// templatesByCategory returns the first five bank questions of each
// category, in the domain's category order.
func templatesByCategory() [10][]socratic.Template {
	var out [10][]socratic.Template
	index := map[models.SpecCategory]int{}
	for i, c := range socratic.Categories() {
		index[c] = i
	}
	for _, t := range socratic.Bank() {
		i := index[t.Category]
		if len(out[i]) < 5 {
			out[i] = append(out[i], t)
		}
	}
	return out
}

// specConfidence is the confidence of the q-th specification of a project.
func specConfidence(q int) float64 { return 0.6 + 0.05*float64(q%8) }

// seedMaturity is the maturity the seeded specifications give a project.
func seedMaturity() int {
	scores := map[models.SpecCategory]socratic.CategoryScore{}
	cats := socratic.Categories()
	for q := range specsPerProject {
		s := scores[cats[q%10]]
		s.Count++
		s.ConfidenceSum += specConfidence(q)
		scores[cats[q%10]] = s
	}
	return socratic.Maturity(scores)
}

func ptr[T any](v T) *T { return &v }

// seed inserts the workloads' rows with bulk inserts of the project's
// models.
func seed(ctx context.Context, db *bun.DB, now time.Time) (*Seeded, error) {
	passwords, err := auth.NewPasswords(auth.DefaultArgon2(), 1)
	if err != nil {
		return nil, fmt.Errorf("password hashing: %w", err)
	}
	hash, err := passwords.Hash(ctx, seedPassword)
	if err != nil {
		return nil, fmt.Errorf("hash seed password: %w", err)
	}
	base := now.Add(-30 * 24 * time.Hour)

	users := []models.User{{Email: benchEmail, Name: ptr("Bench Integrator"), PasswordHash: hash, CreatedAt: base, UpdatedAt: base}}
	for i := range askUserCount {
		users = append(users, models.User{Email: fmt.Sprintf("ask-%02d@example.com", i+1), Name: ptr(fmt.Sprintf("Ask User %02d", i+1)),
			PasswordHash: hash, CreatedAt: base, UpdatedAt: base})
	}
	users = append(users, models.User{Email: fanoutEmail, Name: ptr("Fan-out Driver"), PasswordHash: hash, CreatedAt: base, UpdatedAt: base})
	if err := insertAll(ctx, db, "users", &users, func(u *models.User) int64 { return u.ID }); err != nil {
		return nil, err
	}
	benchUser, fanoutUser := users[0].ID, users[len(users)-1].ID

	maturity := seedMaturity()
	names := projectNames()
	var projects []models.Project
	for i := range benchProjects {
		at := base.Add(time.Duration(i) * time.Hour)
		name := fmt.Sprintf("%s %02d", names[i%len(names)], i+1)
		projects = append(projects, models.Project{
			OwnerID: benchUser, Name: name, NameKey: strings.ToLower(name),
			Description: ptr(fmt.Sprintf("Requirements for the %s: replace the manual process, integrate with the systems already in place and meet the regulator's retention rules.", name)),
			Phase:       models.ProjectPhaseDiscovery, Status: models.ProjectStatusActive, Maturity: maturity,
			CreatedAt: at, UpdatedAt: at.Add(48 * time.Hour),
		})
	}
	for i := range askUserCount + 1 {
		owner, name := users[1+i].ID, fmt.Sprintf("Ask workload %02d", i+1)
		if i == askUserCount {
			name = "Fan-out session"
		}
		projects = append(projects, models.Project{OwnerID: owner, Name: name, NameKey: strings.ToLower(name), Phase: models.ProjectPhaseDiscovery,
			Status: models.ProjectStatusActive, CreatedAt: now, UpdatedAt: now})
	}
	if err := insertAll(ctx, db, "projects", &projects, func(p *models.Project) int64 { return p.ID }); err != nil {
		return nil, err
	}

	var sessions []models.Session
	for i := range benchProjects {
		for j := range sessionsPerProject {
			at := projects[i].CreatedAt.Add(time.Duration(j) * 24 * time.Hour)
			s := models.Session{ProjectID: projects[i].ID, StartedByID: benchUser, Mode: models.SessionModeSocratic,
				Status: models.SessionStatusCompleted, StartedAt: at, UpdatedAt: at.Add(time.Hour), EndedAt: ptr(at.Add(time.Hour))}
			if j == sessionsPerProject-1 {
				s.Status, s.EndedAt = models.SessionStatusActive, nil
			}
			sessions = append(sessions, s)
		}
	}
	for i := range askUserCount + 1 {
		p := projects[benchProjects+i]
		sessions = append(sessions, models.Session{ProjectID: p.ID, StartedByID: p.OwnerID, Mode: models.SessionModeSocratic,
			Status: models.SessionStatusActive, StartedAt: now, UpdatedAt: now})
	}
	if err := insertAll(ctx, db, "sessions", &sessions, func(s *models.Session) int64 { return s.ID }); err != nil {
		return nil, err
	}

	templates := templatesByCategory()
	values := specValues()
	cats := socratic.Categories()
	var questions []models.Question
	for i := range benchProjects {
		for j := range sessionsPerProject {
			sess := sessions[i*sessionsPerProject+j]
			for k := range questionsPerSession {
				q := j*questionsPerSession + k
				t := templates[q%10][q/10]
				asked := sess.StartedAt.Add(time.Duration(k) * 4 * time.Minute)
				questions = append(questions, models.Question{
					SessionID: sess.ID, ProjectID: sess.ProjectID, Text: t.Text + " " + t.Context, Category: t.Category,
					Context: ptr(t.Context), TemplateKey: ptr(t.Key), QualityScore: 1, BiasScore: 0, AskedAt: asked,
					Answer: ptr(answerFor(values[q%10][q/10], q)), AnsweredAt: ptr(asked.Add(3 * time.Minute)), AnsweredByID: &benchUser,
				})
			}
		}
	}
	if err := insertAll(ctx, db, "questions", &questions, func(q *models.Question) int64 { return q.ID }); err != nil {
		return nil, err
	}

	var specs []models.Specification
	for i := range benchProjects {
		for q := range specsPerProject {
			question := questions[i*specsPerProject+q]
			t := templates[q%10][q/10]
			value := values[q%10][q/10]
			specs = append(specs, models.Specification{
				ProjectID: projects[i].ID, QuestionID: &question.ID, Category: cats[q%10], Key: t.SpecKey, Value: value,
				Content: fmt.Sprintf("%s: %s (stated in answer to %q)", t.SpecKey, value, t.Text),
				Source:  models.SpecSourceExtracted, Confidence: specConfidence(q),
				Reasoning: ptr("Stated directly in the answer, without hedging."),
				Status:    models.SpecStatusCurrent, CreatedByID: &benchUser,
				CreatedAt: *question.AnsweredAt, UpdatedAt: *question.AnsweredAt,
			})
		}
	}
	if err := insertAll(ctx, db, "specifications", &specs, func(s *models.Specification) int64 { return s.ID }); err != nil {
		return nil, err
	}

	texts := conflictTexts()
	var conflicts []models.Conflict
	for i := range benchProjects {
		for c := range conflictsPerProject {
			t := texts[c%len(texts)]
			conflicts = append(conflicts, models.Conflict{
				ProjectID: projects[i].ID, Type: models.ConflictType(t.Type), Severity: models.ConflictSeverity(t.Severity),
				Status: models.ConflictStatusOpen, Rule: t.Rule, Description: t.Description,
				DetectedAt: projects[i].CreatedAt.Add(time.Duration(24*c+30) * time.Hour),
			})
		}
	}
	if err := insertAll(ctx, db, "conflicts", &conflicts, func(c *models.Conflict) int64 { return c.ID }); err != nil {
		return nil, err
	}
	// Each conflict links a later specification (EXISTING) and an earlier
	// one (NEW): the EXISTING-first order then differs from id order.
	var links []models.ConflictSpecification
	for i := range benchProjects {
		for c := range conflictsPerProject {
			conflict := conflicts[i*conflictsPerProject+c]
			links = append(links,
				models.ConflictSpecification{ConflictID: conflict.ID, SpecificationID: specs[i*specsPerProject+10*c+7].ID, Role: models.ConflictRoleExisting},
				models.ConflictSpecification{ConflictID: conflict.ID, SpecificationID: specs[i*specsPerProject+10*c+2].ID, Role: models.ConflictRoleNew})
		}
	}
	if err := insertAll[models.ConflictSpecification](ctx, db, "conflict links", &links, nil); err != nil {
		return nil, err
	}

	out := &Seeded{BenchUserID: benchUser, Rows: len(users) + len(projects) + len(sessions) + len(questions) + len(specs) + len(conflicts) + len(links)}
	for i := benchProjects - 1; i >= 0; i-- {
		out.ProjectIDs = append(out.ProjectIDs, projects[i].ID)
	}
	for i := range askUserCount + 1 {
		u := seededUser{UserID: projects[benchProjects+i].OwnerID, ProjectID: projects[benchProjects+i].ID, SessionID: sessions[benchProjects*sessionsPerProject+i].ID}
		if i == askUserCount {
			out.Fanout = u
		} else {
			out.AskUsers = append(out.AskUsers, u)
		}
	}
	if out.Fanout.UserID != fanoutUser {
		return nil, fmt.Errorf("seed: fan-out project has owner %d, want %d", out.Fanout.UserID, fanoutUser)
	}
	return out, nil
}
