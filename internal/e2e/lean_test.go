package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"socrates/internal/testenv"
)

// The executor marshals plain fields straight from the model (see
// internal/tools/leanexec). A value the marshaller refuses must still give
// the error gqlgen gives: at the field's own path, with the null carried
// up to the nearest nullable parent.
func TestRefusedValuesKeepTheirFieldPath(t *testing.T) {
	testenv.EachDB(t, func(t *testing.T, dbURL string) {
		srv := testenv.StartServer(t, dbURL)
		me, _ := srv.Client(t).NewUser()
		pid := me.CreateProject("Refused values")
		add := `mutation($p: ID!, $k: String!) { addSpecification(input: {projectId: $p, category: TECH_STACK, key: $k, value: "x"}) { userErrors { code } } }`
		for _, k := range []string{"zero_time", "fine"} {
			me.Must(add, map[string]any{"p": pid, "k": k}, nil)
		}
		// The zero time is the one value the Time marshaller refuses; the
		// database holds it as any other.
		if _, err := srv.App.DB.NewRaw("UPDATE specifications SET created_at = ? WHERE key = 'zero_time'", time.Time{}).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}

		q := `query($p: ID!) { project(id: $p) { name specifications(first: 10) { nodes { key createdAt confidence } } } }`
		r := me.Do(q, map[string]any{"p": pid})
		want := map[string]bool{"[project specifications nodes 0 createdAt]": true}
		got := map[string]bool{}
		for _, e := range r.Errors {
			got[fmt.Sprint(e.Path)] = true
			if e.Code() != "INTERNAL" {
				t.Errorf("code %q: %s", e.Code(), r.Raw)
			}
		}
		for p := range want {
			if !got[p] {
				t.Errorf("no error at %s; errors %s", p, r.Raw)
			}
		}
		if len(r.Errors) != len(want) {
			t.Errorf("want %d errors, got %s", len(want), r.Raw)
		}
		if string(r.Data) != `{"project":null}` {
			t.Errorf("the null did not reach the nullable project: %s", r.Data)
		}

		// A field that is fine next to them is still served straight.
		var ok struct{ Project struct{ Name string } }
		me.Must(`query($p: ID!) { project(id: $p) { name specifications(first: 10) { nodes { key confidence } } } }`, map[string]any{"p": pid}, &ok)
		if ok.Project.Name != "Refused values" {
			t.Errorf("name %q", ok.Project.Name)
		}
	})
}
