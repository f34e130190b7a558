package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// body returns the source of the function named name in src.
func body(t *testing.T, src, name string) string {
	t.Helper()
	i := strings.Index(src, ") "+name+"(")
	if i < 0 {
		t.Fatalf("no function %s", name)
	}
	j := strings.Index(src[i:], "\n}\n")
	return src[i : i+j]
}

func TestRewrite(t *testing.T) {
	in, err := os.ReadFile("testdata/input.generated.go.txt")
	if err != nil {
		t.Fatal(err)
	}
	out, st, err := Rewrite(map[string][]byte{"a.generated.go": in})
	if err != nil {
		t.Fatal(err)
	}
	src := string(out["a.generated.go"])
	if st != (Stats{Direct: 1, Guarded: 2, Groups: 1, Lists: 1, FieldSets: 1}) {
		t.Errorf("stats %+v", st)
	}

	for _, c := range []struct{ fn, want, not string }{
		// An enum's marshaller never reads the context: called straight.
		{"_Thing_status", "return ec.marshalNStatus2Status(ctx, field.Selections, obj.Status)", "ResolveField"},
		// A marshaller that may refuse a value: straight unless it does,
		// then gqlgen's path, which reports the error at the field.
		{"_Thing_id", "if res := leanNID2string(obj.GlobalID()); res != graphql.Null {", ""},
		{"_Thing_score", "if res := leanFloat(obj.Score); res != nil {", ""},
		// A directive or a resolver: untouched.
		{"_Thing_secret", "ec.directives.Private", "lean"},
		{"_Thing_owner", "ec.resolvers.Thing().Owner(ctx, obj)", "lean"},
		// The object builds its deferred group only for a deferred field.
		{"_Thing", "deferred := leanDeferredGroup(ctx, fields)", "NewDeferredGroup"},
		// and is written without graphql.FieldSet's map.
		{"_Thing", "out := leanNewFieldSet(fields)", "graphql.NewFieldSet"},
		// A list of objects goes in order when the selection allows.
		{"marshalNThing2ᚕᚖThingᚄ", "leanMarshalSlice(ctx, ec.leanSequentialThing(sel), len(v), 0, false,", "MarshalSliceConcurrently"},
		// The selection allows it only without the resolver field "owner".
		{"leanSequentialThing", `case "owner":`, ""},
	} {
		b := body(t, src, c.fn)
		if !strings.Contains(b, c.want) {
			t.Errorf("%s lacks %q:\n%s", c.fn, c.want, b)
		}
		if c.not != "" && strings.Contains(b, c.not) {
			t.Errorf("%s still has %q:\n%s", c.fn, c.not, b)
		}
	}
	for _, fn := range []string{"_Thing_id", "_Thing_score"} {
		if !strings.Contains(body(t, src, fn), "return graphql.ResolveField(") {
			t.Errorf("%s lost gqlgen's path for refused values", fn)
		}
	}
	if strings.Count(src, "func leanNID2string(v string) graphql.Marshaler") != 1 {
		t.Error("the guarded ID helper is not declared once next to its marshaller")
	}
	runtime := string(out[RuntimeFile])
	for _, helper := range []string{"func leanFloat(", "func leanDeferredGroup(", "func leanMarshalSlice(", "func leanMarshalElement(", "func leanNewFieldSet(", "func (s *leanFieldSet) MarshalGQL("} {
		if strings.Count(runtime, helper) != 1 {
			t.Errorf("%q declared %d times in %s", helper, strings.Count(runtime, helper), RuntimeFile)
		}
	}

	again, st2, err := Rewrite(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != len(out) || st2 != (Stats{}) {
		t.Errorf("a second rewrite found more to do (%+v, %d files)", st2, len(again))
	}
	for name, b := range out {
		if string(again[name]) != string(b) {
			t.Errorf("a second rewrite changed %s", name)
		}
	}
}

// The executor in graph/ is the rewritten one: go generate runs the rewrite
// after gqlgen (generate.go), and the check tool fails when that leaves a
// diff. This test says so without regenerating.
func TestGraphIsRewritten(t *testing.T) {
	names, err := filepath.Glob("../../../graph/*.generated.go")
	if err != nil || len(names) == 0 {
		t.Fatalf("generated files: %v %v", names, err)
	}
	files := map[string][]byte{}
	all := ""
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		files[n] = b
		all += string(b)
	}
	out, st, err := Rewrite(files)
	if err != nil {
		t.Fatal(err)
	}
	for n, b := range out {
		if string(b) != string(files[n]) {
			t.Errorf("%s is not as the rewrite leaves it: run go generate ./...", n)
		}
	}
	if st != (Stats{}) {
		t.Errorf("left to rewrite: %+v", st)
	}
	if b := body(t, all, "_Specification_value"); !strings.Contains(b, "if res := leanNString2string(obj.Value); res != graphql.Null {") {
		t.Errorf("Specification.value is not marshalled straight:\n%s", b)
	}
}
