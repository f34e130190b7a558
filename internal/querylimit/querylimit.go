// Package querylimit bounds what a GraphQL document may cost before it is
// validated or run. It parses the document under a token limit, measures it
// once its fragments are expanded, in time linear in its size (each
// fragment is measured once and its figures reused at every spread), and
// refuses it with a message naming what was counted and the limit.
//
// The limits on depth and aliases measure the operation's data: the
// introspection meta-fields `__schema` and `__type` have their own depth
// limit and a fixed cap on their fields, and `__typename` is free. The limits
// on size (bytes, tokens, fragment spreads, fields) count every field.
package querylimit

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"socrates/internal/apperr"
)

// IntrospectionFields is the fixed cap on the fields an operation selects
// inside `__schema` and `__type` once fragments are expanded. graphql-js's
// getIntrospectionQuery with every option selects 227.
const IntrospectionFields = 1000

// MaxNesting is how deep the parser lets selection sets, list and object
// values and list types nest, all counted together; deeper documents are
// refused while parsing.
const MaxNesting = parser.MaxNestingDepth

// Limits bound what a document may cost. A zero field turns its limit off.
type Limits struct {
	// Bytes bounds the length of the document's text.
	Bytes int
	// Tokens bounds the lexical tokens the parser reads: punctuators,
	// names, values and comments (commas and white space are not tokens).
	Tokens int
	// Spreads bounds the fragment spreads once fragments are expanded,
	// summed over every operation and fragment definition (validation
	// walks each of them).
	Spreads int
	// Fields bounds the fields once fragments are expanded, summed over
	// every operation and fragment definition.
	Fields int
	// SelectionFields bounds the fields of one selection set once the
	// fragments spread into it are expanded and the selection sets of
	// same-named fields beside it merged: validation compares those fields
	// pairwise. Without a Fields limit, sets are not merged.
	SelectionFields int
	// Depth bounds how deep the operation's data fields nest.
	Depth int
	// Aliases bounds the operation's aliased data fields once fragments
	// are expanded.
	Aliases int
	// IntrospectionDepth bounds how deep an introspection field nests,
	// counting itself (`__schema { types { name } }` is 3 deep).
	IntrospectionDepth int
}

// DocumentCost is what a whole document costs once its fragments are
// expanded.
type DocumentCost struct {
	// Spreads and Fields are summed over every operation and fragment
	// definition.
	Spreads, Fields int
	// SelectionFields is the largest number of fields in one selection
	// set, merged with the selection sets of same-named fields beside it
	// when CheckDocument measures it with a field limit; MeasureDocument
	// does not merge (merging expands the document, which is linear only
	// once the expanded size is known to be bounded).
	SelectionFields int
}

// OperationCost is what one operation costs once its fragments are
// expanded.
type OperationCost struct {
	// Depth and Aliases count data fields only.
	Depth, Aliases int
	// IntrospectionDepth and IntrospectionFields count the fields inside
	// `__schema` and `__type`.
	IntrospectionDepth, IntrospectionFields int
}

// Check parses query and checks it against the limits: the whole document,
// then the operation named operationName (the only one when the name is
// empty; no operation checks when there is no such operation, which the
// executor refuses itself).
func (l Limits) Check(query, operationName string) *gqlerror.Error {
	doc, err := l.Parse(query)
	if err != nil {
		return err
	}
	if err := l.CheckDocument(doc); err != nil {
		return err
	}
	return l.CheckOperation(doc, operationName)
}

// Parse parses query under the byte and token limits.
func (l Limits) Parse(query string) (*ast.QueryDocument, *gqlerror.Error) {
	if l.Bytes > 0 && len(query) > l.Bytes {
		return nil, refuse("the document is %d bytes long; the limit is %d", len(query), l.Bytes)
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, l.Tokens)
	if err == nil {
		return doc, nil
	}
	var gqlErr *gqlerror.Error
	if !errors.As(err, &gqlErr) {
		gqlErr = gqlerror.Wrap(fmt.Errorf("parse the document: %w", err))
	}
	// The parser stops at the limits with these messages (pinned by this
	// package's tests).
	switch {
	case strings.HasPrefix(gqlErr.Message, "exceeded token limit"):
		return nil, refuse("the document has more than %d tokens; the limit is %d", l.Tokens, l.Tokens)
	case strings.HasPrefix(gqlErr.Message, "exceeded maximum nesting depth"):
		e := refuse("the document nests selection sets, lists and input objects more than %d levels deep; the limit is %d", MaxNesting, MaxNesting)
		e.Locations = gqlErr.Locations
		return nil, e
	}
	setCode(gqlErr, apperr.ParseFailed)
	return nil, gqlErr
}

// CheckDocument checks the whole document against the limits on fragment
// spreads and fields.
func (l Limits) CheckDocument(doc *ast.QueryDocument) *gqlerror.Error {
	c, err := MeasureDocument(doc)
	if err != nil {
		return err
	}
	switch {
	case over(c.Spreads, l.Spreads):
		return refuse("the document spreads fragments %s times once they are expanded; the limit is %d", count(c.Spreads), l.Spreads)
	case over(c.Fields, l.Fields):
		return refuse("the document selects %s fields once fragments are expanded; the limit is %d", count(c.Fields), l.Fields)
	}
	if l.SelectionFields > 0 && l.Fields > 0 {
		// The expanded document is now known to hold at most l.Fields
		// fields, so it can be walked as execution will see it.
		c.SelectionFields = newMeasurer(doc).widestMerged(doc)
	}
	if over(c.SelectionFields, l.SelectionFields) {
		return refuse("a selection set holds %s fields once fragments are expanded and fields of the same name merged; the limit is %d",
			count(c.SelectionFields), l.SelectionFields)
	}
	return nil
}

// CheckOperation checks the operation named operationName against the
// limits on depth, aliases and introspection.
func (l Limits) CheckOperation(doc *ast.QueryDocument, operationName string) *gqlerror.Error {
	op := doc.Operations.ForName(operationName)
	if op == nil {
		return nil
	}
	c, err := MeasureOperation(doc, op)
	if err != nil {
		return err
	}
	switch {
	case over(c.Depth, l.Depth):
		return refuse("the operation is nested %d levels deep; the limit is %d", c.Depth, l.Depth)
	case over(c.Aliases, l.Aliases):
		return refuse("the operation uses %s aliases; the limit is %d", count(c.Aliases), l.Aliases)
	case over(c.IntrospectionDepth, l.IntrospectionDepth):
		return refuse("the introspection is nested %d levels deep; the limit is %d", c.IntrospectionDepth, l.IntrospectionDepth)
	case over(c.IntrospectionFields, IntrospectionFields):
		return refuse("the introspection selects %s fields once fragments are expanded; the limit is %d", count(c.IntrospectionFields), IntrospectionFields)
	}
	return nil
}

// MeasureDocument measures every operation and fragment definition of doc.
// A fragment that spreads itself is refused as validation would refuse it.
func MeasureDocument(doc *ast.QueryDocument) (DocumentCost, *gqlerror.Error) {
	m := newMeasurer(doc)
	var c DocumentCost
	add := func(s summary) {
		c.Spreads = sat(c.Spreads, s.spreads)
		c.Fields = sat(c.Fields, s.fields)
	}
	for _, op := range doc.Operations {
		add(m.selectionSet(op.SelectionSet))
	}
	for _, f := range doc.Fragments {
		if m.fragments[f.Name] == f {
			add(m.fragment(f))
		} else {
			// A second definition of a name (validation refuses it) is
			// measured on its own, once.
			add(m.selectionSet(f.SelectionSet))
		}
	}
	if m.cycle != "" {
		return DocumentCost{}, cycleError(m.cycle)
	}
	c.SelectionFields = m.widest
	return c, nil
}

// MeasureOperation measures one operation of doc.
func MeasureOperation(doc *ast.QueryDocument, op *ast.OperationDefinition) (OperationCost, *gqlerror.Error) {
	m := newMeasurer(doc)
	s := m.selectionSet(op.SelectionSet)
	if m.cycle != "" {
		return OperationCost{}, cycleError(m.cycle)
	}
	return OperationCost{
		Depth:               s.dataDepth,
		Aliases:             s.dataAliases,
		IntrospectionDepth:  s.introDepth,
		IntrospectionFields: s.introFields,
	}, nil
}

func over(measured, limit int) bool { return limit > 0 && measured > limit }

// count prints a measure, saying when it was too large to count exactly.
func count(n int) string {
	if n >= ceiling {
		return fmt.Sprintf("more than %d", ceiling)
	}
	return fmt.Sprint(n)
}

func refuse(format string, args ...any) *gqlerror.Error {
	e := gqlerror.Errorf(format, args...)
	setCode(e, apperr.BadUserInput)
	return e
}

func cycleError(name string) *gqlerror.Error {
	e := gqlerror.Errorf("Cannot spread fragment %q within itself.", name)
	setCode(e, apperr.ValidationFailed)
	return e
}

func setCode(e *gqlerror.Error, code apperr.Code) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = string(code)
}
