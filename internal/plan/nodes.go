package plan

import (
	"socrates/internal/auth"
	"socrates/internal/ids"
	"socrates/internal/loaders"
)

// nodes reads ahead what nodes(ids) resolves, before its resolver runs:
// the objects of each type in one statement, then the projects they belong
// to, then the viewer's grants on the projects it does not own, which is
// everything the access policy asks about them. The resolver then finds
// them all at once, whatever the number of ids.
func (w *walk) nodes(globals []string) {
	byType := map[string][]int64{}
	for _, g := range globals {
		if typ, id, err := ids.Decode(g); err == nil {
			byType[typ] = append(byType[typ], id)
		}
	}
	var projectIDs, sessionIDs []int64
	projectIDs = append(projectIDs, byType[ids.Project]...)
	sessionIDs = append(sessionIDs, byType[ids.Session]...)
	for _, q := range fill(w, w.l.Question(), byType[ids.Question]) {
		projectIDs = append(projectIDs, q.ProjectID)
	}
	for _, s := range fill(w, w.l.Specification(), byType[ids.Specification]) {
		projectIDs = append(projectIDs, s.ProjectID)
	}
	for _, c := range fill(w, w.l.Conflict(), byType[ids.Conflict]) {
		projectIDs = append(projectIDs, c.ProjectID)
	}
	for _, m := range fill(w, w.l.Message(), byType[ids.Message]) {
		sessionIDs = append(sessionIDs, m.SessionID)
	}
	for _, s := range fill(w, w.l.Session(), sessionIDs) {
		projectIDs = append(projectIDs, s.ProjectID)
	}
	projects := fill(w, w.l.Project(), projectIDs)
	pr := auth.FromContext(w.ctx)
	if pr == nil {
		return
	}
	var keys []loaders.UserKey
	for _, p := range projects {
		if p.OwnerID != pr.UserID {
			keys = append(keys, loaders.UserKey{UserID: pr.UserID, ObjectID: p.ID})
		}
	}
	fill(w, w.l.Grants(), keys)
}
