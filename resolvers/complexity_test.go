package resolvers

import (
	"reflect"
	"strings"
	"testing"

	"socrates/internal/schemafile"
)

// TestEveryConnectionIsScoredByPageSize fails when a field returning a
// connection has no complexity function: the complexity limit would count
// it as one object whatever page it asks for.
func TestEveryConnectionIsScoredByPageSize(t *testing.T) {
	s, err := schemafile.LoadDir("../schema")
	if err != nil {
		t.Fatal(err)
	}
	root := reflect.ValueOf(Complexity())
	checked := 0
	for _, typ := range s.Types {
		for _, f := range typ.Fields {
			if !strings.HasSuffix(f.Type.Name(), "Connection") || strings.HasPrefix(typ.Name, "__") {
				continue
			}
			checked++
			obj := fieldFold(root, typ.Name)
			if !obj.IsValid() {
				t.Errorf("%s.%s returns a connection; the complexity root has no %s", typ.Name, f.Name, typ.Name)
				continue
			}
			if fn := fieldFold(obj, f.Name); !fn.IsValid() || fn.IsNil() {
				t.Errorf("%s.%s returns a connection but has no complexity function (resolvers/complexity.go)", typ.Name, f.Name)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("found only %d connection fields; the scan is broken", checked)
	}
}

// fieldFold returns the field of struct v whose name matches name without
// regard to case (gqlgen writes apiTokens as APITokens), or the zero Value.
func fieldFold(v reflect.Value, name string) reflect.Value {
	for i := range v.NumField() {
		if strings.EqualFold(v.Type().Field(i).Name, name) {
			return v.Field(i)
		}
	}
	return reflect.Value{}
}
